"""Split a streamed Qwen3 reply into thinking and answer deltas (`TextDelta`).

A thinking reply is `<think>` thinking `</think>` answer. The splitter copes with tags split
across chunks, no think block at all (all answer), an empty think block, a reply cut off
inside the thinking (all thinking, `thinking_finished` False), and a `</think>` with no
`<think>` (templates that open the block in the prompt): the text before it is thinking.
Both parts are trimmed as the model card's parser trims them (`.strip("\\n")`), while
streaming too. Only a `<think>` at the very start (after whitespace) opens the block and only
the first `</think>` closes it; later tags are answer text (text mode) or dropped (token mode,
as `skip_special_tokens` would). Otherwise the result is the model card's: the text with the
tags taken out, split at `</think>`.

Text before any tag streams as answer. If a bare `</think>` then shows it was thinking, the
final `.thinking` and `.answer` move it and `relabelled` turns True: the deltas already sent
said "answer", so a UI should re-render from the final texts. Pass `starts_in_thinking=True`
when the prompt itself ends with `<think>` to stream such text as thinking from the start.

This module holds the shared state and `TextThinkingSplitter` (text chunks);
`token_splitter.py` holds `TokenThinkingSplitter` (token ids).
"""

from __future__ import annotations

from enum import Enum, auto

from qwen_tui.chat.model_card import THINK_CLOSE, THINK_OPEN
from qwen_tui.chat.parts import Part, TextDelta
from qwen_tui.chat.trimmed_stream import TrimmedStream


class Phase(Enum):
    START = auto()  # nothing but whitespace (or part of a tag) seen yet
    THINKING = auto()
    ANSWER = auto()


class SplitterBase:
    """The state both splitters share: the phase, the two trimmed parts and the outbox."""

    def __init__(self, starts_in_thinking: bool) -> None:
        self._starts_in_thinking = starts_in_thinking
        self._phase = Phase.START
        self._thinking = TrimmedStream()
        self._answer = TrimmedStream()
        self._tag_seen = False  # after the first tag, tags are no longer structure
        self._relabelled = False
        self._finished = False
        self._outbox: list[TextDelta] = []
        self._last_part: TrimmedStream | None = None  # deltas merge only within one part

    @property
    def thinking(self) -> str:
        """The thinking so far, trimmed."""
        return self._thinking.text

    @property
    def answer(self) -> str:
        """The answer so far, trimmed."""
        return self._answer.text

    @property
    def thinking_finished(self) -> bool:
        """False while inside an unclosed think block (and after a reply cut off there)."""
        if self._phase is Phase.START:
            return not self._starts_in_thinking
        return self._phase is Phase.ANSWER

    @property
    def relabelled(self) -> bool:
        """True when text first streamed as answer turned out to be thinking."""
        return self._relabelled

    def _check_open(self) -> None:
        if self._finished:
            raise RuntimeError("the splitter has finished; start a new one for the next reply")

    def _leave_start(self) -> None:
        self._phase = Phase.THINKING if self._starts_in_thinking else Phase.ANSWER

    def _open_thinking(self) -> None:
        self._phase = Phase.THINKING
        self._tag_seen = True

    def _watching_for_close(self) -> bool:
        return self._phase is Phase.THINKING or (self._phase is Phase.ANSWER and not self._tag_seen)

    def _close_thinking(self) -> None:
        if self._phase is Phase.ANSWER:
            # A `</think>` with no `<think>`: what streamed as answer was thinking.
            self._relabelled = bool(self._answer.text)
            self._thinking, self._answer = self._answer, TrimmedStream()
        self._thinking.close()
        self._phase = Phase.ANSWER
        self._tag_seen = True

    def _emit(self, raw: str) -> None:
        part = Part.THINKING if self._phase is Phase.THINKING else Part.ANSWER
        stream = self._thinking if part is Part.THINKING else self._answer
        shown = stream.push(raw)
        if not shown:
            return
        if self._outbox and self._outbox[-1].part is part and stream is self._last_part:
            shown = self._outbox.pop().text + shown
        self._outbox.append(TextDelta(part, shown))
        self._last_part = stream

    def _end(self) -> list[TextDelta]:
        self._thinking.close()
        self._answer.close()
        self._finished = True
        return self._collect()

    def _collect(self) -> list[TextDelta]:
        deltas, self._outbox = self._outbox, []
        return deltas


class TextThinkingSplitter(SplitterBase):
    """Splits streamed text (for engines that only give text)."""

    def __init__(self, *, starts_in_thinking: bool = False) -> None:
        super().__init__(starts_in_thinking)
        self._pending = ""  # text that may still turn out to be part of a tag

    def feed(self, text: str) -> list[TextDelta]:
        """Take the next chunk; return the deltas it completes."""
        self._check_open()
        self._pending += text
        while self._advance():
            pass
        return self._collect()

    def finish(self) -> list[TextDelta]:
        """The reply ended: flush held text (a partial tag is just text) and close both parts."""
        if self._finished:
            return []
        if self._phase is Phase.START:
            self._leave_start()
        self._emit(self._pending)
        self._pending = ""
        return self._end()

    def _advance(self) -> bool:
        """Consume what can be decided now; True if the phase changed and more may follow."""
        if self._phase is Phase.START:
            head = self._pending.lstrip()
            if head.startswith(THINK_OPEN):
                # Like the model card, keep only the tags out of the text.
                self._pending = self._pending.replace(THINK_OPEN, "", 1)
                self._open_thinking()
            elif head.startswith(THINK_CLOSE):
                self._open_thinking()  # the held whitespace was (empty) thinking
            elif THINK_OPEN.startswith(head) or THINK_CLOSE.startswith(head):
                return False
            else:
                self._leave_start()
            return True
        if not self._watching_for_close():
            self._emit(self._pending)
            self._pending = ""
            return False
        before, tag, after = self._pending.partition(THINK_CLOSE)
        if tag:
            self._emit(before)
            self._pending = after
            self._close_thinking()
            return True
        keep = _partial_tag_length(self._pending, THINK_CLOSE)
        self._emit(self._pending[: len(self._pending) - keep])
        self._pending = self._pending[len(self._pending) - keep :]
        return False


def _partial_tag_length(text: str, tag: str) -> int:
    """How many trailing characters of `text` could be the start of `tag`."""
    for length in range(min(len(tag) - 1, len(text)), 0, -1):
        if text.endswith(tag[:length]):
            return length
    return 0
