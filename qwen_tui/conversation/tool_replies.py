"""A reply's `<tool_call>` blocks, taken out of its answer: while it streams (the user
sees the text, not the JSON; a call's block is shown once the reply ends) and when it ends
(the calls the loop runs, recorded on the message; the text without them is its answer).
Blocks inside the thinking are not calls: the model only thinks about calling.
"""

from __future__ import annotations

import json
from dataclasses import replace

from qwen_tui.chat.messages import Message, ToolCallRecord
from qwen_tui.chat.parts import Part, TextDelta
from qwen_tui.tools.calls import TOOL_CALL_CLOSE, TOOL_CALL_OPEN, ParsedCall, ToolCall
from qwen_tui.tools.parsing import ToolCallParser


def call_record(call: ParsedCall) -> ToolCallRecord:
    """A parsed block as the conversation keeps it."""
    if isinstance(call, ToolCall):
        return ToolCallRecord(call.name, dict(call.arguments))
    return ToolCallRecord("", None, raw=call.raw, error=call.error)


def with_calls(message: Message) -> Message:
    """`message` with its answer's calls in `tool_calls` and only its text in `content`."""
    parser = ToolCallParser()
    pieces = [*parser.feed(TextDelta(Part.ANSWER, message.content)), *parser.finish()]
    if not parser.calls:
        return message
    text = "".join(p.text for p in pieces if isinstance(p, TextDelta))
    calls = tuple(call_record(call) for call in parser.calls)
    return replace(message, content=text.strip(), tool_calls=calls)


def written_answer(message: Message) -> str:
    """The answer as the model wrote it: its text, then its calls as blocks again."""
    blocks = [
        f"{TOOL_CALL_OPEN}{call.raw}{TOOL_CALL_CLOSE}"
        if call.arguments is None
        else f"{TOOL_CALL_OPEN}\n{_call_json(call)}\n{TOOL_CALL_CLOSE}"
        for call in message.tool_calls
    ]
    return "\n".join(filter(None, [message.content, *blocks]))


def _call_json(call: ToolCallRecord) -> str:
    return json.dumps({"name": call.name, "arguments": call.arguments}, ensure_ascii=False)


class StreamedText:
    """The deltas of a streaming reply the user sees: answer text outside call blocks
    (text that may open a block is held until it is clear), thinking as it comes; and
    each block, as it closes, as its call."""

    def __init__(self) -> None:
        self._parser = ToolCallParser()

    def feed(self, delta: TextDelta) -> list[TextDelta | ToolCallRecord]:
        pieces = self._parser.feed(delta)
        return [p if isinstance(p, TextDelta) else call_record(p) for p in pieces]

    def finish(self) -> list[TextDelta]:
        """Text held at the end of the reply (a tag that never opened a block)."""
        return [p for p in self._parser.finish() if isinstance(p, TextDelta)]
