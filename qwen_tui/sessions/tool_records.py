"""Tool use in a session file: an assistant reply's calls, and one line per result.

    {"type": "assistant", ..., "tool_calls": [{"name": "time.get_current_time",
     "arguments": {"timezone": "Asia/Tokyo"}}, {"raw": "{\"name\": ", "error": "..."}]}
    {"type": "tool", "at": ..., "name": "time.get_current_time", "content": "...",
     "is_error": false, "ran": true, "seconds": 0.21}

    {"type": "tools", "at": ..., "tools": [{"type": "function", "function": {...}}]}

A malformed block keeps its `raw` text and `error` instead of a name and arguments. A
`tools` event records the tools offered to the model whenever they change, so a replay
can offer the same ones with the recorded results.
Replies without calls write no `tool_calls` key, so older readers and files are as before.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from qwen_tui.chat.messages import Message, Role, ToolCallRecord

Record = dict[str, Any]


def tool_calls_field(message: Message) -> Record:
    """The `tool_calls` key of an assistant record (none without calls)."""
    if not message.tool_calls:
        return {}
    calls: list[Record] = []
    for call in message.tool_calls:
        if call.arguments is None:
            calls.append({"raw": call.raw, "error": call.error})
        else:
            calls.append({"name": call.name, "arguments": call.arguments})
    return {"tool_calls": calls}


def tool_calls_of(record: Record) -> tuple[ToolCallRecord, ...]:
    """The calls of an assistant record; TypeError when they are not as written."""
    calls = record.get("tool_calls", [])
    if not isinstance(calls, list):
        raise TypeError("'tool_calls' must be a list")
    return tuple(_call(call) for call in calls)


def _call(call: object) -> ToolCallRecord:
    if not isinstance(call, dict):
        raise TypeError("each of 'tool_calls' must be an object")
    if "raw" in call:
        return ToolCallRecord("", None, raw=_string(call, "raw"), error=_string(call, "error"))
    arguments = call.get("arguments")
    if not isinstance(arguments, dict):
        raise TypeError("a tool call's 'arguments' must be an object")
    return ToolCallRecord(_string(call, "name"), arguments)


def tools_record(specs: Sequence[Record], at: str) -> Record:
    return {"type": "tools", "at": at, "tools": list(specs)}


def offered_tools(record: Record) -> tuple[Record, ...]:
    """The tools of a `tools` event; TypeError when they are not a list of objects."""
    tools = record.get("tools")
    if not isinstance(tools, list) or not all(isinstance(t, dict) for t in tools):
        raise TypeError("'tools' must be a list of objects")
    return tuple(tools)


def tool_record(message: Message, at: str) -> Record:
    return {
        "type": "tool",
        "at": at,
        "name": message.tool_name,
        "content": message.content,
        "is_error": message.is_error,
        "ran": message.ran,
        "seconds": round(message.seconds, 3),
    }


def tool_message(record: Record) -> Message:
    """The Message of a tool record; TypeError when it is malformed."""
    seconds = record.get("seconds", 0.0)
    if isinstance(seconds, bool) or not isinstance(seconds, int | float):
        raise TypeError("'seconds' must be a number")
    return Message(
        Role.TOOL,
        _string(record, "content"),
        tool_name=_string(record, "name"),
        is_error=record.get("is_error") is True,
        ran=record.get("ran") is True,
        seconds=float(seconds),
    )


def _string(record: Record, key: str) -> str:
    value = record.get(key)
    if not isinstance(value, str):
        raise TypeError(f"'{key}' must be a string")
    return value
