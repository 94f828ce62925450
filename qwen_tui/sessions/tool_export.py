"""Tool calls and results in an export: Markdown a reader can follow (each call as its
name and arguments, each result folded in `<details>`), and plain JSON data."""

from __future__ import annotations

import json
import re
from typing import Any

from qwen_tui.chat.messages import Message, ToolCallRecord

_BACKTICKS = re.compile(r"`+")


def call_text(call: ToolCallRecord) -> str:
    """`server.tool {"arg": ...}`, or a malformed block's text as the model wrote it."""
    if call.arguments is None:
        return f"malformed tool call: {call.raw.strip()} ({call.error})"
    return f"{call.name} {json.dumps(call.arguments, ensure_ascii=False)}"


def result_title(message: Message) -> str:
    """`time.get_current_time · 0.2 s`, and how it ended if not well."""
    name = message.tool_name or "malformed tool call"
    outcome = " · not run" if not message.ran else " · error" if message.is_error else ""
    return f"{name} · {message.seconds:.1f} s{outcome}"


def calls_markdown(message: Message) -> list[str]:
    """The reply's calls, one list item each (nothing for a reply without calls)."""
    if not message.tool_calls:
        return []
    return [*(f"- Tool call: {_code(call_text(call))}" for call in message.tool_calls), ""]


def result_markdown(message: Message) -> list[str]:
    """A tool message: its result folded, as a fenced block that nothing in it closes."""
    longest = max((len(run) for run in _BACKTICKS.findall(message.content)), default=0)
    fence = "`" * max(3, longest + 1)
    summary = f"Tool result: {result_title(message)}".replace("<", "&lt;")
    return ["<details>", f"<summary>{summary}</summary>", "", fence, message.content, fence]


def calls_data(message: Message) -> list[dict[str, Any]]:
    return [
        {"name": call.name, "arguments": call.arguments}
        if call.arguments is not None
        else {"raw": call.raw, "error": call.error}
        for call in message.tool_calls
    ]


def result_data(message: Message) -> dict[str, Any]:
    return {
        "role": "tool",
        "name": message.tool_name,
        "content": message.content,
        "is_error": message.is_error,
        "ran": message.ran,
        "seconds": message.seconds,
    }


def _code(text: str) -> str:
    longest = max((len(run) for run in _BACKTICKS.findall(text)), default=0)
    ticks = "`" * (longest + 1)
    return (
        f"{ticks} {text} {ticks}"
        if text.startswith("`") or text.endswith("`")
        else (f"{ticks}{text}{ticks}")
    )
