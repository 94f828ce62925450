"""Tool settings from config.toml: the MCP servers, and the limits and trust around calls.

    [mcp_servers.time]
    command = "uvx"
    args = ["mcp-server-time"]
    env = { TZ = "Europe/London" }

    [mcp_servers.search]
    url = "http://localhost:9000/mcp"   # streamable HTTP

    [tools]
    allow = ["time.get_current_time"]   # run without asking
    max_tool_steps = 10
    call_timeout = 60
    max_result_chars = 20000

`mcpServers` in Claude Desktop and Qwen-Agent files has the same shape per server.
`parse_tool_settings` raises `ValueError` with one line naming the key and what to do; the
config loader adds the file's name. This sits beside config.py, below every layer (the
chat core reads settings too); `qwen_tui.tools` runs what it describes.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

SERVER_NAME = re.compile(r"[A-Za-z0-9_-]+")
"""A server's name starts its tools' names (`time.get_current_time`), so it holds no dot."""
SERVER_KEYS = frozenset({"command", "args", "env", "url"})
TOOLS_KEYS = frozenset({"allow", "max_tool_steps", "call_timeout", "max_result_chars"})


@dataclass(frozen=True)
class McpServer:
    """One MCP server: a `command` run over stdio, or a streamable-HTTP `url`."""

    name: str
    command: str | None = None
    args: tuple[str, ...] = ()
    env: tuple[tuple[str, str], ...] = ()
    """Extra environment for the command, as (name, value) pairs."""
    url: str | None = None

    def as_table(self) -> dict[str, Any]:
        """The server as its config.toml table."""
        if self.url is not None:
            return {"url": self.url}
        table: dict[str, Any] = {"command": self.command, "args": list(self.args)}
        if self.env:
            table["env"] = dict(self.env)
        return table


@dataclass(frozen=True)
class ToolSettings:
    """The servers to start and how their tools' calls run."""

    servers: tuple[McpServer, ...] = ()
    allow: tuple[str, ...] = ()
    """Tools (`server.tool`) that run without asking."""
    max_tool_steps: int = 10
    """Model replies with calls in one turn before the user is told and the loop stops."""
    call_timeout: float = 60.0
    """Seconds a call may run."""
    max_result_chars: int = 20_000
    """A longer result is cut to this many characters, for the model and the screen."""

    def as_record(self) -> dict[str, Any]:
        """What a session records: env values may be secrets, so only their names."""
        servers = {}
        for server in self.servers:
            table = server.as_table()
            if "env" in table:
                table["env"] = sorted(table["env"])
            servers[server.name] = table
        return {
            "servers": servers,
            "allow": list(self.allow),
            "max_tool_steps": self.max_tool_steps,
            "call_timeout": self.call_timeout,
            "max_result_chars": self.max_result_chars,
        }


def parse_tool_settings(servers: object, tools: object) -> ToolSettings:
    """Settings from the `mcp_servers` and `tools` tables (None where absent)."""
    servers = {} if servers is None else _table(servers, "mcp_servers", "[mcp_servers.NAME]")
    tools = {} if tools is None else _table(tools, "tools", "[tools]")
    parsed = tuple(server_from_table(name, value) for name, value in servers.items())
    for key in tools:
        if key not in TOOLS_KEYS:
            raise ValueError(
                f"unknown key 'tools.{key}'; use one of {', '.join(sorted(TOOLS_KEYS))}"
            )
    allow = tools.get("allow", [])
    if not isinstance(allow, list) or not all(isinstance(a, str) and "." in a for a in allow):
        raise ValueError(
            "key 'tools.allow' must be a list of tool names such as [\"time.get_current_time\"]"
        )
    steps = tools.get("max_tool_steps", 10)
    if not _is_int(steps) or steps < 1:
        raise ValueError(
            f"key 'tools.max_tool_steps' must be a whole number of at least 1, got {steps!r}"
        )
    timeout = tools.get("call_timeout", 60.0)
    if not _is_number(timeout) or not math.isfinite(timeout) or timeout <= 0:
        raise ValueError(f"key 'tools.call_timeout' must be seconds above 0, got {timeout!r}")
    cap = tools.get("max_result_chars", 20_000)
    if not _is_int(cap) or cap < 100:
        raise ValueError(
            f"key 'tools.max_result_chars' must be a whole number of at least 100, got {cap!r}"
        )
    return ToolSettings(parsed, tuple(allow), steps, float(timeout), cap)


def server_from_table(name: str, value: object) -> McpServer:
    """One server from its table (config.toml's, or an `mcpServers` entry's)."""
    where = f"mcp_servers.{name}"
    if not SERVER_NAME.fullmatch(name):
        raise ValueError(f"server name {name!r} may hold only letters, digits, - and _; rename it")
    table = _table(value, where, f"[{where}]")
    for key in table:
        if key not in SERVER_KEYS:
            raise ValueError(f"unknown key '{where}.{key}'; use command, args and env, or url")
    command, url = table.get("command"), table.get("url")
    if (command is None) == (url is None):
        raise ValueError(f"[{where}] needs either 'command' (stdio) or 'url' (streamable HTTP)")
    if url is not None:
        if not isinstance(url, str) or not url.startswith(("http://", "https://")):
            raise ValueError(f"key '{where}.url' must be an http:// or https:// URL, got {url!r}")
        if "args" in table or "env" in table:
            raise ValueError(
                f"[{where}] has a url; 'args' and 'env' are for a command, remove them"
            )
        return McpServer(name, url=url)
    if not isinstance(command, str) or not command.strip():
        raise ValueError(f"key '{where}.command' must be the program to run, such as \"uvx\"")
    args = table.get("args", [])
    if not isinstance(args, list) or not all(isinstance(a, str) for a in args):
        raise ValueError(f"key '{where}.args' must be a list of strings")
    env = table.get("env", {})
    if not isinstance(env, dict) or not all(isinstance(v, str) for v in env.values()):
        raise ValueError(
            f"key '{where}.env' must be a table of strings, such as {{ TZ = \"UTC\" }}"
        )
    return McpServer(name, command, tuple(args), tuple(env.items()))


def _table(value: object, key: str, shape: str) -> Mapping[str, Any]:
    if not isinstance(value, dict):
        raise ValueError(f"key '{key}' must be a table ({shape})")
    return value


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _is_number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)
