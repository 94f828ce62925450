"""`ServedTurn`: one request's turn through the conversation core, on the asyncio side.

`Serving` hands it the core's updates as the engine's events arrive; the route reads its
pieces as they stream (`pieces`) or waits for the whole reply (`finish`). Stop strings end
the answer here: the text stops short of the first one and the engine is stopped. With
tools offered, the core keeps the reply's `<tool_call>` blocks out of its text; each
well-formed one comes as a `StreamedCall` as soon as it closes, in its place among the
pieces, and the ending's `calls` holds them all.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from dataclasses import dataclass

from qwen_tui.chat.messages import FinishReason as Ending
from qwen_tui.chat.messages import Message, ToolCallRecord
from qwen_tui.chat.parts import Part, TextDelta
from qwen_tui.conversation.core import ConversationCore
from qwen_tui.conversation.updates import (
    Notice,
    NotSaved,
    Severity,
    TextStreamed,
    ToolCallWritten,
    TurnEnded,
    TurnStarted,
    Update,
)
from qwen_tui.server.protocol import FinishReason
from qwen_tui.server.returned_calls import ReturnedCall, malformed_blocks, returned_call
from qwen_tui.server.stop_strings import StopStrings

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Piece:
    """Text that streamed, in one part of the reply."""

    part: Part
    text: str


@dataclass(frozen=True)
class StreamedCall:
    """A tool call the reply has just finished writing: the `index`-th of its calls."""

    index: int
    call: ReturnedCall


@dataclass(frozen=True)
class TurnEnding:
    """How the reply ended. `error` is the engine's one line when it failed."""

    finish_reason: FinishReason
    thinking: str
    answer: str
    prompt_tokens: int
    completion_tokens: int
    error: str | None = None
    calls: tuple[ReturnedCall, ...] = ()
    """The tool calls the reply made, for the client to run."""


class ServedTurn:
    """The reply to one request, as the core reports it."""

    def __init__(self, core: ConversationCore, stops: StopStrings) -> None:
        self.core = core
        self._stops = stops
        self._queue: asyncio.Queue[Piece | StreamedCall | TurnEnding] = asyncio.Queue()
        self.ending: TurnEnding | None = None
        self._prompt_tokens = 0
        self._tokens = 0
        self._answer: list[str] = []
        self._calls: list[ReturnedCall] = []
        self._error: str | None = None

    def take(self, updates: list[Update]) -> None:
        """Apply the core's updates (called on the event loop, never from a thread)."""
        for update in updates:
            if isinstance(update, TextStreamed):
                self._streamed(update.delta)
            elif isinstance(update, ToolCallWritten):
                self._call_written(update.call)
            elif isinstance(update, TurnStarted):
                self._prompt_tokens = update.turn.prompt_tokens
            elif isinstance(update, TurnEnded):
                self._ended(update.message)
            elif isinstance(update, Notice) and update.severity is Severity.ERROR:
                self._error = update.text
            elif isinstance(update, NotSaved):
                log.warning("qwen-chat serve: the request is not saved: %s", update.reason)

    def stop(self) -> None:
        """The client is gone: stop the reply now (the engine within one step)."""
        if self.ending is None:
            self.take(self.core.cancel())

    async def pieces(self) -> AsyncIterator[Piece | StreamedCall]:
        """The reply's text and calls as they stream, text that arrived together merged;
        `ending` is set once this ends."""
        while True:
            batch = [await self._queue.get()]
            while not self._queue.empty():
                batch.append(self._queue.get_nowait())
            for piece in _merged([item for item in batch if not isinstance(item, TurnEnding)]):
                yield piece
            if isinstance(batch[-1], TurnEnding):  # always the last thing queued
                return

    async def finish(self) -> TurnEnding:
        """Wait for the whole reply."""
        async for _ in self.pieces():
            pass
        assert self.ending is not None
        return self.ending

    def _streamed(self, delta: TextDelta) -> None:
        if self.ending is not None:
            return
        self._tokens += delta.tokens
        if delta.part is Part.THINKING:
            self._queue.put_nowait(Piece(Part.THINKING, delta.text))
            return
        self._show_answer(self._stops.feed(delta.text))
        if self._stops.hit:
            self.take(self.core.cancel())

    def _call_written(self, call: ToolCallRecord) -> None:
        if self.ending is not None or call.malformed:  # a malformed block stays text
            return
        self._calls.append(returned_call(call))
        self._queue.put_nowait(StreamedCall(len(self._calls) - 1, self._calls[-1]))

    def _show_answer(self, text: str) -> None:
        if text:
            self._answer.append(text)
            self._queue.put_nowait(Piece(Part.ANSWER, text))

    def _ended(self, message: Message) -> None:
        stats = message.stats
        reason: FinishReason = "stop"
        if self._stops.hit:
            answer = "".join(self._answer)
        else:
            self._show_answer(self._stops.flush())
            if message.finish_reason is Ending.LENGTH:
                reason = "length"
            answer = message.content
        malformed = "" if self._stops.hit else malformed_blocks(message)
        if malformed:  # no call: the client gets the text the model wrote
            self._show_answer(f"\n{malformed}")
            answer = "\n".join(filter(None, [answer, malformed]))
        ended = not self._stops.hit and message.finish_reason is Ending.STOP
        if self._calls and ended:
            reason = "tool_calls"
        natural = stats is not None and not self._stops.hit
        failed = message.finish_reason is Ending.ERROR
        self.ending = TurnEnding(
            finish_reason=reason,
            thinking=message.thinking,
            answer=answer,
            prompt_tokens=stats.prompt_tokens if natural and stats else self._prompt_tokens,
            completion_tokens=stats.generated_tokens if natural and stats else self._tokens,
            error=(self._error or "the engine failed without saying why") if failed else None,
            calls=tuple(self._calls),
        )
        self._queue.put_nowait(self.ending)
        self.core.close()  # the session (if any) is complete; the engine may still stop


def _merged(pieces: list[Piece | StreamedCall]) -> list[Piece | StreamedCall]:
    """Runs of text of one part joined, so a slow reader gets fewer, longer chunks."""
    merged: list[Piece | StreamedCall] = []
    for piece in pieces:
        last = merged[-1] if merged else None
        if isinstance(piece, Piece) and isinstance(last, Piece) and last.part is piece.part:
            merged[-1] = Piece(piece.part, last.text + piece.text)
        else:
            merged.append(piece)
    return merged
