"""Find Qwen3's `<tool_call>` blocks in a streamed reply, wherever the chunks split it.

`ToolCallParser` takes the thinking splitter's deltas. Thinking passes through untouched:
a call the model only thinks about is never run. Answer text outside the blocks passes
through as answer deltas; each block, once closed, comes out as a `ToolCall` or a
`MalformedToolCall`. Text that may be the start of `<tool_call>` is held until the next
chunk decides. A block left open when the reply ends, or one longer than any real call,
is malformed, never a hang or a crash.
"""

from __future__ import annotations

from qwen_tui.chat.parts import Part, TextDelta
from qwen_tui.tools.calls import (
    TOOL_CALL_CLOSE,
    TOOL_CALL_OPEN,
    MalformedToolCall,
    ParsedCall,
    parse_call,
)

MAX_CALL_CHARS = 1_000_000
"""A block longer than this is a model that lost its way, not a call."""

ParsedPiece = TextDelta | ParsedCall


class ToolCallParser:
    """Splits one reply's answer into text and tool calls, chunk by chunk."""

    def __init__(self) -> None:
        self._pending = ""  # answer text not yet decided
        self._in_call = False
        self._discarding = False  # inside a block already reported as too long
        self._request_id = 0
        self.calls: list[ParsedCall] = []
        """Every block found so far, in order."""

    def feed(self, delta: TextDelta) -> list[ParsedPiece]:
        """The pieces `delta` completes: thinking as it came, answer text, closed calls."""
        if delta.part is Part.THINKING:
            return [delta]
        self._request_id = delta.request_id
        self._pending += delta.text
        pieces: list[ParsedPiece] = []
        while self._advance(pieces):
            pass
        return pieces

    def finish(self) -> list[ParsedPiece]:
        """The reply ended: held text is text, an open block is malformed."""
        pieces: list[ParsedPiece] = []
        if self._in_call and not self._discarding:
            self._add_call(
                MalformedToolCall(self._pending, "the reply ended inside a tool call"), pieces
            )
        elif not self._in_call:
            self._add_text(self._pending, pieces)
        self._in_call = self._discarding = False
        self._pending = ""
        return pieces

    def _advance(self, pieces: list[ParsedPiece]) -> bool:
        """Consume what can be decided now; True if a tag was passed and more may follow."""
        tag = TOOL_CALL_CLOSE if self._in_call else TOOL_CALL_OPEN
        before, found, after = self._pending.partition(tag)
        if found:
            self._pending = after
            if self._in_call and not self._discarding:
                self._add_call(parse_call(before), pieces)
            elif self._in_call:
                self._discarding = False
            else:
                self._add_text(before, pieces)
            self._in_call = not self._in_call
            return True
        if self._in_call:
            if not self._discarding and len(self._pending) > MAX_CALL_CHARS:
                error = f"the tool call is longer than {MAX_CALL_CHARS:,} characters"
                self._add_call(MalformedToolCall(self._pending[:200], error), pieces)
                self._discarding = True
            if self._discarding:  # keep only what may be the start of the closing tag
                self._pending = self._pending[-(len(TOOL_CALL_CLOSE) - 1) :]
            return False
        keep = _partial_tag_length(self._pending, TOOL_CALL_OPEN)
        self._add_text(self._pending[: len(self._pending) - keep], pieces)
        self._pending = self._pending[len(self._pending) - keep :]
        return False

    def _add_text(self, text: str, pieces: list[ParsedPiece]) -> None:
        if text:
            pieces.append(TextDelta(Part.ANSWER, text, self._request_id, tokens=0))

    def _add_call(self, call: ParsedCall, pieces: list[ParsedPiece]) -> None:
        self.calls.append(call)
        pieces.append(call)


def _partial_tag_length(text: str, tag: str) -> int:
    """How many trailing characters of `text` could be the start of `tag`."""
    for length in range(min(len(tag) - 1, len(text)), 0, -1):
        if text.endswith(tag[:length]):
            return length
    return 0
