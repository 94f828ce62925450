"""Servers from a Claude Desktop or Qwen-Agent `{"mcpServers": {...}}` JSON file, as it is.

Per server such files hold `command`, `args` and `env`, or `url`; Qwen-Agent and some
clients add `type` ("stdio", "streamable-http"), which says nothing the keys do not. An
SSE server or a key with no meaning here is refused with the server's name, so nothing
is imported half-understood.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from qwen_tui.regular_files import MIB, UnreadableFile, read_regular_file
from qwen_tui.tool_settings import McpServer, server_from_table

MAX_IMPORT_BYTES = MIB
_PLAIN_TYPES = {"stdio", "streamable-http", "streamable_http", "streamableHttp", "http"}


def read_mcp_servers(path: Path) -> list[McpServer]:
    """The servers in the file at `path`; ValueError (one line) when it is not such a file."""
    try:
        text = read_regular_file(path, max_bytes=MAX_IMPORT_BYTES).decode("utf-8")
    except FileNotFoundError:
        raise ValueError(f"{path}: no such file") from None
    except UnreadableFile as exc:
        raise ValueError(str(exc)) from None
    except UnicodeDecodeError:
        raise ValueError(f"{path}: not UTF-8 text; give a JSON file") from None
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ValueError(f"{path}: not valid JSON ({exc.msg}, line {exc.lineno})") from None
    except RecursionError:
        raise ValueError(f"{path}: not valid JSON (nested too deeply)") from None
    servers = data.get("mcpServers") if isinstance(data, dict) else None
    if not isinstance(servers, dict):
        raise ValueError(
            f'{path}: no "mcpServers" object; give a Claude Desktop or Qwen-Agent file'
        )
    try:
        return [server_from_table(name, _plain(name, entry)) for name, entry in servers.items()]
    except ValueError as exc:
        raise ValueError(f"{path}: {exc}") from None


def _plain(name: str, entry: object) -> object:
    """`entry` without the `type` key where that key only repeats what the others say."""
    if not isinstance(entry, dict) or "type" not in entry:
        return entry
    kind = entry["type"]
    if kind == "sse":
        raise ValueError(f"server {name!r} uses SSE; only stdio and streamable HTTP are supported")
    if kind not in _PLAIN_TYPES:
        raise ValueError(f"server {name!r} has type {kind!r}; use stdio or streamable-http")
    plain: dict[str, Any] = {k: v for k, v in entry.items() if k != "type"}
    return plain
