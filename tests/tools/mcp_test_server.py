"""A small MCP server for the tests, over stdio, written with the SDK's MCPServer (the
FastMCP of SDK 1.x): a tool that answers, one that sleeps past any timeout the tests
set, one that raises, one that answers at length, and one that kills its server.
With `--http PORT` it serves streamable HTTP on 127.0.0.1:PORT/mcp instead."""

from __future__ import annotations

import os
import sys
import time

from mcp.server.mcpserver import MCPServer

server = MCPServer("testing")


@server.tool()
def echo(text: str) -> str:
    """Say the text back."""
    return f"echo: {text}"


@server.tool()
def sleep(seconds: float) -> str:
    """Sleep for a while, then say so."""
    time.sleep(seconds)
    return f"slept {seconds} s"


@server.tool()
def fail(reason: str) -> str:
    """Always raises."""
    raise RuntimeError(f"the tool broke: {reason}")


@server.tool()
def big(chars: int) -> str:
    """A long answer."""
    return "x" * chars


@server.tool()
def die() -> str:
    """Kill the server mid-call."""
    os._exit(1)


if __name__ == "__main__":
    print("testing server starting", file=sys.stderr)
    if sys.argv[1:2] == ["--slow-start"]:
        time.sleep(float(sys.argv[2]))
    if sys.argv[1:2] == ["--http"]:
        server.run("streamable-http", host="127.0.0.1", port=int(sys.argv[2]))
    else:
        server.run()
