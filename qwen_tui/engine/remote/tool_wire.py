"""Tool calling over the OpenAI API, in both directions, for `OpenAIEngine`.

Going out, the history's tool turns take the OpenAI shape: an assistant turn's calls with
their arguments as a JSON string, each result a `tool` message with the `tool_call_id` of
its call. Coming back, a server with a tool parser (vLLM, SGLang, `qwen-chat serve`)
streams calls as `delta.tool_calls` pieces, by index; `StreamedCalls` puts them together
and writes each as the `<tool_call>` block the model wrote, so the conversation parses the
reply's calls the same way whichever engine ran it (and a server without a tool parser,
which leaves the blocks in `content`, needs nothing more).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from qwen_tui.chat.history import TOOL_CALL_CLOSE, TOOL_CALL_OPEN


def openai_messages(messages: Iterable[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """Template messages as the API takes them (only the calls' arguments change)."""
    sent: list[dict[str, Any]] = []
    for message in messages:
        out = dict(message)
        if message.get("tool_calls"):
            out["tool_calls"] = [_call_out(call) for call in message["tool_calls"]]
        sent.append(out)
    return sent


def read_text(message: Mapping[str, Any]) -> str:
    """What of a message the model reads: its content, and its calls as JSON."""
    calls = message.get("tool_calls")
    written = json.dumps(calls, ensure_ascii=False) if calls else ""
    return str(message.get("content") or "") + written


def _call_out(call: Mapping[str, Any]) -> dict[str, Any]:
    function = dict(call.get("function", {}))
    arguments = function.get("arguments", {})
    if not isinstance(arguments, str):
        function["arguments"] = json.dumps(arguments, ensure_ascii=False)
    return {**call, "type": "function", "function": function}


@dataclass
class _Call:
    name: str = ""
    arguments: str = ""


class StreamedCalls:
    """The `tool_calls` pieces of one streamed reply, put together by their index."""

    def __init__(self) -> None:
        self._calls: dict[int, _Call] = {}

    def add(self, pieces: Iterable[Any]) -> None:
        """One delta's `tool_calls` (the `openai` client's objects)."""
        for number, piece in enumerate(pieces):
            index = piece.index if isinstance(piece.index, int) else number
            call = self._calls.setdefault(index, _Call())
            function = piece.function
            if function is not None:
                call.name += function.name or ""
                call.arguments += function.arguments or ""

    def blocks(self) -> str:
        """Every call as a `<tool_call>` block, one a line ("" when there were none)."""
        return "\n".join(_block(self._calls[index]) for index in sorted(self._calls))


def _block(call: _Call) -> str:
    """The block as the model writes it; arguments that are not JSON stay a string, which
    the conversation reports to the model as a malformed call."""
    try:
        arguments: Any = json.loads(call.arguments) if call.arguments.strip() else {}
    except json.JSONDecodeError:
        arguments = call.arguments
    body = json.dumps({"name": call.name, "arguments": arguments}, ensure_ascii=False)
    return f"{TOOL_CALL_OPEN}\n{body}\n{TOOL_CALL_CLOSE}"
