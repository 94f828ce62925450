"""One MCP server's connection, through the official `mcp` SDK: start it, list its tools,
call them. It runs on the tool hub's event loop (`hub.py`); any way a server fails to
start (no such program, it exits, it never answers) becomes `error`, one line, never an
exception out of here.
"""

from __future__ import annotations

import tempfile
from collections.abc import AsyncIterator, Iterable
from contextlib import AsyncExitStack, asynccontextmanager
from typing import Any

import anyio
from mcp.client.session import ClientSession
from mcp.client.stdio import StdioServerParameters, stdio_client
from mcp.client.streamable_http import streamable_http_client
from mcp.types import (
    ContentBlock,
    EmbeddedResource,
    PaginatedRequestParams,
    ResourceLink,
    Result,
    TextContent,
)

from qwen_tui.tool_settings import McpServer
from qwen_tui.tools.server_tools import McpTool

START_SECONDS = 30.0
"""A server that has not listed its tools by then counts as failed."""
_Streams = tuple[Any, Any]


class ServerConnection:
    """A running server; create it on the hub's loop, then run `run` as a task there."""

    def __init__(self, server: McpServer) -> None:
        self.server = server
        self.tools: tuple[McpTool, ...] = ()
        self.error: str | None = None
        """Why the server failed to start or stopped; None while it is fine."""
        self._session: ClientSession | None = None
        self._ready = anyio.Event()
        self._stop = anyio.Event()
        self._starting = anyio.CancelScope()  # `stop` cancels a start under way
        # The server's stderr: kept out of the terminal, read back to say why it failed.
        self._errlog = tempfile.TemporaryFile("w+", encoding="utf-8", errors="replace")

    async def run(self) -> None:
        """Connect and list the tools, then hold the connection until `stop`."""
        try:
            with self._starting:
                async with AsyncExitStack() as stack:
                    read, write = await stack.enter_async_context(self._transport())
                    session = await stack.enter_async_context(ClientSession(read, write))
                    with anyio.fail_after(START_SECONDS):
                        await session.initialize()
                        self.tools = await self._list_tools(session)
                    self._session = session
                    self._ready.set()
                    await self._stop.wait()
            if self._starting.cancelled_caught:
                self.error = "it was stopped while it started"
        except Exception as exc:  # whatever the server did, the chat goes on without it
            self.error = self._failure(exc)
        finally:
            self._session = None
            self._ready.set()
            self._errlog.close()

    async def wait_ready(self) -> None:
        await self._ready.wait()

    def stop(self) -> None:
        """End the connection; a server still starting is stopped at once."""
        self._stop.set()
        if not self._ready.is_set():
            self._starting.cancel()

    async def call(self, tool: str, arguments: dict[str, Any], timeout: float) -> Result:
        """The server's result for `tool`; TimeoutError past `timeout` (the call is
        cancelled), the SDK's errors as they come."""
        if self._session is None:
            raise RuntimeError(f"server {self.server.name!r} is not running")
        with anyio.fail_after(timeout):
            return await self._session.call_tool(tool, arguments)

    @asynccontextmanager
    async def _transport(self) -> AsyncIterator[_Streams]:
        server = self.server
        if server.url is not None:
            async with streamable_http_client(server.url) as streams:
                yield streams[0], streams[1]
            return
        assert server.command is not None  # a server has a url or a command
        params = StdioServerParameters(
            command=server.command, args=list(server.args), env=dict(server.env) or None
        )
        async with stdio_client(params, errlog=self._errlog) as (read, write):
            yield read, write

    async def _list_tools(self, session: ClientSession) -> tuple[McpTool, ...]:
        tools: list[McpTool] = []
        cursor: str | None = None
        while True:
            params = PaginatedRequestParams(cursor=cursor) if cursor else None
            listed = await session.list_tools(params=params)
            for tool in listed.tools:
                schema = dict(tool.input_schema or {"type": "object", "properties": {}})
                tools.append(McpTool(self.server.name, tool.name, tool.description or "", schema))
            cursor = listed.next_cursor
            if not cursor:
                return tuple(tools)

    def _failure(self, exc: BaseException) -> str:
        while isinstance(exc, BaseExceptionGroup) and exc.exceptions:
            exc = exc.exceptions[0]
        if isinstance(exc, TimeoutError):
            reason = f"it did not answer within {START_SECONDS:g} s"
        elif isinstance(exc, FileNotFoundError):
            reason = f"no program {self.server.command!r} was found; check 'command'"
        else:
            reason = " ".join(str(exc).split()) or type(exc).__name__
            if self.server.url is not None:
                reason = f"could not reach {self.server.url} ({reason})"
        last_words = self._stderr_tail()
        return f"{reason} (it said: {last_words})" if last_words else reason

    def _stderr_tail(self) -> str:
        try:
            self._errlog.seek(0)
            lines = [line.strip() for line in self._errlog.read()[-4000:].splitlines()]
        except (OSError, ValueError):
            return ""
        lines = [line for line in lines if line]
        return lines[-1][:300] if lines else ""


def content_text(blocks: Iterable[ContentBlock]) -> str:
    """The text of MCP content blocks, joined; other kinds (images, audio, resources) are
    named in brackets, since the model reads text only."""
    parts: list[str] = []
    for block in blocks:
        if isinstance(block, TextContent):
            parts.append(block.text)
        elif isinstance(block, ResourceLink):
            parts.append(f"[resource link: {block.uri}]")
        elif isinstance(block, EmbeddedResource):
            resource = block.resource
            parts.append(getattr(resource, "text", None) or f"[resource: {resource.uri}]")
        else:
            parts.append(f"[{block.type} content: {getattr(block, 'mime_type', 'unknown type')}]")
    return "\n".join(parts)
