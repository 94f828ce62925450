"""What a model's `<tool_call>` block turns into: a call to run, or an error to report.

The block holds one JSON object, `{"name": ..., "arguments": {...}}`, as Qwen3's chat
template asks for. `arguments` may also come as a JSON string of an object (some models
and servers write it so); anything else is a `MalformedToolCall`, whose `error` is one
line that goes to the user and back to the model as the call's result.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

TOOL_CALL_OPEN = "<tool_call>"
TOOL_CALL_CLOSE = "</tool_call>"


@dataclass(frozen=True)
class ToolCall:
    """A well-formed call: the tool's name and its arguments."""

    name: str
    arguments: dict[str, Any] = field(default_factory=dict)

    def arguments_json(self) -> str:
        """The arguments as the model would write them (non-ASCII kept)."""
        return json.dumps(self.arguments, ensure_ascii=False)


@dataclass(frozen=True)
class MalformedToolCall:
    """A block that is not a call; `raw` is its text, `error` says what is wrong."""

    raw: str
    error: str


ParsedCall = ToolCall | MalformedToolCall


def parse_call(raw: str) -> ParsedCall:
    """The call in the text between `<tool_call>` and `</tool_call>`."""
    body = raw.strip()
    try:
        value = json.loads(body)
    except json.JSONDecodeError as exc:
        return MalformedToolCall(raw, f"the tool call is not valid JSON ({exc.msg} at {exc.pos})")
    except RecursionError:
        return MalformedToolCall(raw, "the tool call's JSON is nested too deeply")
    if not isinstance(value, dict):
        return MalformedToolCall(raw, 'the tool call must be a JSON object {"name": ..., ...}')
    name = value.get("name")
    if not isinstance(name, str) or not name.strip():
        return MalformedToolCall(raw, 'the tool call has no "name" string')
    arguments = value.get("arguments", {})
    if isinstance(arguments, str):
        try:
            arguments = json.loads(arguments) if arguments.strip() else {}
        except (json.JSONDecodeError, RecursionError):
            return MalformedToolCall(raw, f'the "arguments" of {name} are not valid JSON')
    if not isinstance(arguments, dict):
        return MalformedToolCall(raw, f'the "arguments" of {name} must be a JSON object')
    return ToolCall(name.strip(), arguments)
