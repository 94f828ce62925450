"""`PlaybackEngine`: plays recorded replies back with their original timing, no model.

Each request it gets is answered with the next recorded turn: its thinking and answer
stream chunk by chunk at the recorded offsets divided by `speed`, then the turn finishes
with its recorded reason and figures. It takes plain data (`PlaybackTurn`), so any source
of recordings can drive it; `qwen_tui.sessions.replay` builds them from a saved session.
`pause()` stops the clock, `resume()` starts it again where it stopped.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from qwen_tui.chat.messages import FinishReason, GenerationStats
from qwen_tui.chat.parts import Part, TextDelta
from qwen_tui.engine.base import EngineFailure, GenerationRequest
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
        self._played_s = 0.0  # turn time played before the last resume
        self._resumed_at = clock()

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

    def toggle_pause(self) -> bool:
        """Pause if playing, play if paused; returns True when now paused."""
        if self.paused:
            self.resume()
        else:
            self.pause()
        return self.paused

    def count_prompt_tokens(
        self, messages: tuple[dict[str, str], ...], enable_thinking: bool
    ) -> int:
        return sum(len(m["content"]) for m in messages) // _CHARS_PER_TOKEN + 1

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
        for offset_s, part, text in turn.chunks:
            if not self._wait_until(offset_s / self.speed, cancelled):
                return _finished(request, turn, streamed, FinishReason.CANCELLED)
            sink(TextDelta(part, text, request.request_id))
            streamed[part] += text
        return _finished(request, turn, {Part.THINKING: turn.thinking, Part.ANSWER: turn.answer})

    def _restart_clock(self) -> None:
        with self._clock_lock:
            self._played_s = 0.0
            self._resumed_at = self._clock()

    def _elapsed_locked(self) -> float:
        if not self._running.is_set():
            return self._played_s
        return self._played_s + (self._clock() - self._resumed_at)

    def _wait_until(self, due_s: float, cancelled: threading.Event) -> bool:
        """Wait until `due_s` of unpaused turn time has passed; False if cancelled."""
        while not cancelled.is_set():
            with self._clock_lock:
                remaining = due_s - self._elapsed_locked()
            if self.paused:
                self._running.wait(_POLL_S)
            elif remaining <= 0:
                return True
            else:
                cancelled.wait(min(remaining, _POLL_S))
        return False


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
    )
