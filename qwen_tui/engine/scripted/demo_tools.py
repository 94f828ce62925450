"""The demo engine's side of Qwen3 tool calling, so the tool loop runs without a GPU.

When the request offers tools and the user's message names what one of them is about
(a word of its name, such as "time" for `time.get_current_time`), the demo replies as
Qwen3 does: a short sentence, then a `<tool_call>` block with arguments that fit the
tool's JSON schema. When the last message is a tool's result, it answers from it.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from typing import Any

_GENERIC_WORDS = {"get", "set", "list", "make", "do", "run", "the", "a", "of", "to", "mcp"}
_PLACEHOLDERS = {"timezone": "UTC", "source_timezone": "UTC", "target_timezone": "Asia/Tokyo"}


def tool_reply(
    messages: Sequence[Mapping[str, Any]], tools: Sequence[Mapping[str, Any]]
) -> tuple[str, str] | None:
    """The (thinking, answer) of a tool-using turn, or None when no tool fits."""
    if not tools or not messages:
        return None
    last = messages[-1]
    if last["role"] == "tool":
        results = _trailing_results(messages)
        shown = "\n\n".join(f"```\n{text.strip()[:500]}\n```" for text in results)
        return "The tool answered; I can reply now.", f"The tool says:\n\n{shown}"
    if last["role"] != "user":
        return None
    function = _fitting_function(str(last["content"]), tools)
    if function is None:
        return None
    call = {"name": function["name"], "arguments": _arguments(function.get("parameters", {}))}
    thinking = f"The user asks about something {function['name']} can tell me. I'll call it."
    answer = f"Let me check.\n<tool_call>\n{json.dumps(call, ensure_ascii=False)}\n</tool_call>"
    return thinking, answer


def _trailing_results(messages: Sequence[Mapping[str, Any]]) -> list[str]:
    results: list[str] = []
    for message in reversed(messages):
        if message["role"] != "tool":
            break
        results.insert(0, str(message["content"]))
    return results


def _fitting_function(text: str, tools: Sequence[Mapping[str, Any]]) -> dict[str, Any] | None:
    said = set(re.findall(r"[a-z]+", text.lower()))
    for tool in tools:
        function = dict(tool.get("function", tool))
        words = set(re.findall(r"[a-z]+", str(function.get("name", "")).lower()))
        if (words - _GENERIC_WORDS) & said:
            return function
    return None


def _arguments(schema: Mapping[str, Any]) -> dict[str, Any]:
    """Values for the schema's required properties, of the types it asks for."""
    properties: Mapping[str, Any] = schema.get("properties", {}) or {}
    arguments: dict[str, Any] = {}
    for name in schema.get("required", []) or []:
        spec = properties.get(name, {})
        if spec.get("enum"):
            arguments[name] = spec["enum"][0]
        elif spec.get("type") in ("integer", "number"):
            arguments[name] = 1
        elif spec.get("type") == "boolean":
            arguments[name] = True
        elif name == "time":
            arguments[name] = "12:00"
        else:
            arguments[name] = _PLACEHOLDERS.get(name, "demo")
    return arguments
