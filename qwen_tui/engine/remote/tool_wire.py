"""Tool calling over the OpenAI API, in both directions, for `OpenAIEngine`.

Going out, the history's tool turns take the OpenAI shape: an assistant turn's calls with
their arguments as a JSON string, each result a `tool` message with the `tool_call_id` of
its call. A malformed block is a call too, so its error result answers one (the API
refuses a result without its call): its name if the block names one, and as arguments
the text the model wrote, as a JSON string. Servers parse the arguments (vLLM does, before
the template), and Qwen3's template prints a string as it is, so the model reads its block
much as it wrote it. Coming back, a server with a tool parser (vLLM, SGLang, `qwen-chat serve`)
streams calls as `delta.tool_calls` pieces, by index; `StreamedCalls` puts them together
and writes each as the `<tool_call>` block the model wrote, so the conversation parses the
reply's calls the same way whichever engine ran it (and a server without a tool parser,
which leaves the blocks in `content`, needs nothing more).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from qwen_tui.chat.history import MALFORMED_CALLS, TOOL_CALL_CLOSE, TOOL_CALL_OPEN

_WRITTEN_CALL = re.compile(
    r'\s*\{\s*"name"\s*:\s*"(?P<name>[^"\\]*)"\s*,\s*"arguments"\s*:(?P<arguments>.*)\}\s*',
    re.DOTALL,
)
"""`{"name": "...", "arguments": ...}` as Qwen3 writes a call, whatever the arguments."""


def openai_messages(messages: Iterable[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """Template messages as the API takes them (the calls' arguments as JSON text, the
    malformed blocks as calls)."""
    sent: list[dict[str, Any]] = []
    for message in messages:
        out = dict(message)
        calls = [_call_out(call) for call in message.get("tool_calls") or ()]
        for malformed in out.pop(MALFORMED_CALLS, ()):
            block = f"{TOOL_CALL_OPEN}{malformed['raw']}{TOOL_CALL_CLOSE}"
            out["content"] = str(out.get("content") or "").replace(block, "", 1).strip()
            calls.insert(malformed["position"], _malformed_out(malformed["id"], malformed["raw"]))
        if calls:
            out["tool_calls"] = calls
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


def _malformed_out(call_id: str, raw: str) -> dict[str, Any]:
    """The call of a malformed block: the name it gives, and the text of its arguments as
    a JSON string (the whole block's text when it has neither as Qwen3 writes them)."""
    name, written = _named_call(raw)
    function = {"name": name, "arguments": json.dumps(written, ensure_ascii=False)}
    return {"id": call_id, "type": "function", "function": function}


def _named_call(raw: str) -> tuple[str, str]:
    try:
        value = json.loads(raw)
    except (json.JSONDecodeError, RecursionError):
        value = None
    if isinstance(value, dict) and isinstance(value.get("name"), str):
        arguments = value.get("arguments", "")
        if isinstance(arguments, str):
            return value["name"], arguments
        return value["name"], json.dumps(arguments, ensure_ascii=False)
    written = _WRITTEN_CALL.fullmatch(raw)  # not JSON: the shape the model meant
    if written is None:
        return "", raw.strip()
    return written["name"], written["arguments"].strip()


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
