"""`PlaybackEngine`: plays recorded replies back with their original timing, no model.

Each request it gets is answered with the next recorded turn: its thinking and answer
stream chunk by chunk at the recorded offsets divided by `speed`, then the turn finishes
with its recorded reason and figures. It takes plain data (`PlaybackTurn`), so any source
of recordings can drive it; `qwen_tui.sessions.replay` builds them from a saved session.
`pause()` stops the clock, `resume()` starts it again where it stopped; `played_seconds`
reads it, in the recording's own time, for front-ends that time what they show.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from qwen_tui.chat.messages import FinishReason, GenerationStats
from qwen_tui.chat.parts import Part, TextDelta
from qwen_tui.chat.tools_section import tools_section
from qwen_tui.engine.base import EngineFailure, GenerationRequest, ToolSpecs
from qwen_tui.engine.events import EngineReady, ErrorKind, EventSink, GenerationFinished
from qwen_tui.engine.worker import ThreadedEngine

_POLL_S = 0.02  # how often a wait looks at pause and cancel
_CHARS_PER_TOKEN = 4  # a rough count; playback has no tokenizer


@dataclass(frozen=True)
class PlaybackTurn:
    """One recorded reply. `chunks` are (offset in seconds from the user's message,
    the part, text), in order."""

    chunks: Sequence[tuple[float, Part, str]]
    thinking: str
    answer: str
    thinking_finished: bool = True
    reason: FinishReason = FinishReason.STOP
    stats: GenerationStats | None = None
    thinking_tokens: int | None = None
    """The thinking's recorded token count; None (older sessions) estimates it."""
    thinking_budget_reached: bool = False


class PlaybackEngine(ThreadedEngine):
    """Replays `turns` in order, one per request, at `speed` times the original pace."""

    name = "playback"

    def __init__(
        self,
        turns: Sequence[PlaybackTurn],
        speed: float = 1.0,
        *,
        model_name: str = "recorded session",
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        super().__init__()
        if not speed > 0:
            raise ValueError(f"speed must be above 0, got {speed}")
        self.turns = list(turns)
        self.speed = speed
        self.playback = self
        self.model_name = model_name
        self._clock = clock
        self._next_turn = 0
        self._clock_lock = threading.Lock()
        self._running = threading.Event()
        self._running.set()
        self._played_s = 0.0  # time played (all turns) before the last resume
        self._resumed_at = clock()
        self._turn_began_s = 0.0  # time played when the current turn began

    @property
    def paused(self) -> bool:
        return not self._running.is_set()

    def pause(self) -> None:
        """Hold the playback where it is (the current turn stops streaming)."""
        with self._clock_lock:
            if self._running.is_set():
                self._played_s = self._elapsed_locked()
                self._running.clear()

    def resume(self) -> None:
        with self._clock_lock:
            if not self._running.is_set():
                self._resumed_at = self._clock()
                self._running.set()

    def played_seconds(self) -> float:
        """Seconds of the recording played so far, at its own pace (the wall time times
        `speed`); it stands still while paused."""
        with self._clock_lock:
            return self._elapsed_locked() * self.speed

    def toggle_pause(self) -> bool:
        """Pause if playing, play if paused; returns True when now paused."""
        if self.paused:
            self.resume()
        else:
            self.pause()
        return self.paused

    def count_prompt_tokens(
        self,
        messages: tuple[dict[str, str], ...],
        enable_thinking: bool,
        tools: ToolSpecs | None = None,
    ) -> int:
        chars = sum(len(m["content"]) for m in messages) + len(tools_section(tools))
        return chars // _CHARS_PER_TOKEN + 1

    def _load(self, sink: EventSink) -> EngineReady:
        return EngineReady(self.model_name, self.context_limit, 0.0, device="recording")

    def _generate(
        self, request: GenerationRequest, sink: EventSink, cancelled: threading.Event
    ) -> GenerationFinished:
        if self._next_turn >= len(self.turns):
            raise EngineFailure(
                f"the recording has only {len(self.turns)} replies; nothing left to play",
                ErrorKind.BAD_REQUEST,
            )
        turn = self.turns[self._next_turn]
        self._next_turn += 1
        self._restart_clock()
        streamed = {Part.THINKING: "", Part.ANSWER: ""}
        tokens = iter(_thinking_token_shares(turn))
        for offset_s, part, text in turn.chunks:
            if not self._wait_until(offset_s / self.speed, cancelled):
                return _finished(request, turn, streamed, FinishReason.CANCELLED)
            count = next(tokens) if part is Part.THINKING else 1
            sink(TextDelta(part, text, request.request_id, count))
            streamed[part] += text
        return _finished(request, turn, {Part.THINKING: turn.thinking, Part.ANSWER: turn.answer})

    def _restart_clock(self) -> None:
        with self._clock_lock:
            self._turn_began_s = self._elapsed_locked()

    def _elapsed_locked(self) -> float:
        if not self._running.is_set():
            return self._played_s
        return self._played_s + (self._clock() - self._resumed_at)

    def _wait_until(self, due_s: float, cancelled: threading.Event) -> bool:
        """Wait until `due_s` of unpaused turn time has passed; False if cancelled."""
        while not cancelled.is_set():
            with self._clock_lock:
                remaining = due_s - (self._elapsed_locked() - self._turn_began_s)
            if self.paused:
                self._running.wait(_POLL_S)
            elif remaining <= 0:
                return True
            else:
                cancelled.wait(min(remaining, _POLL_S))
        return False


def _thinking_token_shares(turn: PlaybackTurn) -> list[int]:
    """The recorded thinking tokens spread over the thinking chunks by their length, so
    the count grows as it did and ends at the recorded number."""
    pieces = [len(text) for _, part, text in turn.chunks if part is Part.THINKING]
    chars = sum(pieces)
    total = turn.thinking_tokens
    if total is None:
        total = max(1, round(chars / _CHARS_PER_TOKEN)) if chars else 0
    shares, shown, seen = [], 0, 0
    for length in pieces:
        seen += length
        upto = round(total * seen / chars)
        shares.append(upto - shown)
        shown = upto
    return shares


def _finished(
    request: GenerationRequest,
    turn: PlaybackTurn,
    texts: dict[Part, str],
    reason: FinishReason | None = None,
) -> GenerationFinished:
    """The end of a turn: as recorded, or (with `reason`) cut short after `texts`."""
    stats = turn.stats or GenerationStats(0, 0, 0.0, 0.0, 0.0)
    if reason is None:
        thinking_finished = turn.thinking_finished
    else:
        # Stopped inside the thinking unless the answer had begun.
        thinking_finished = bool(texts[Part.ANSWER]) or not texts[Part.THINKING]
    return GenerationFinished(
        request.request_id,
        reason or turn.reason,
        stats,
        texts[Part.THINKING],
        texts[Part.ANSWER],
        thinking_finished,
        thinking_budget_reached=turn.thinking_budget_reached and reason is None,
    )
