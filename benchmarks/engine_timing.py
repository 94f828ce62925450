"""An engine wrapped so that its events are timed as they leave it, for benchmarks that
drive a front-end (`ui_speed.py`): the front-end gets the same engine and the same events,
and the benchmark learns when the model was ready, when a request was submitted, and when
a reply's first delta and its end were handed over."""

from __future__ import annotations

import time
from collections.abc import Callable

from qwen_tui.chat.parts import TextDelta
from qwen_tui.engine.events import EngineEvent, EngineReady, EventSink, GenerationFinished


class TimedEngine:
    """Passes everything through to `engine`; `start` times the events on their way out
    (`time.perf_counter()` readings, None until seen)."""

    def __init__(self, engine) -> None:
        self._engine = engine
        self.ready_at: float | None = None
        self.submitted_at: float | None = None
        self.on_submit: Callable[[], object] | None = None
        """Called as a request is submitted, on the thread that submits it."""
        self.first_delta_at: float | None = None
        self.finished_at: float | None = None

    def __getattr__(self, name: str):
        return getattr(self._engine, name)

    def submit(self, request) -> None:
        self.submitted_at = time.perf_counter()
        if self.on_submit is not None:
            self.on_submit()
        self._engine.submit(request)

    def start(self, sink: EventSink) -> None:
        def timed(event: EngineEvent) -> None:
            now = time.perf_counter()
            if isinstance(event, EngineReady):
                self.ready_at = now
            elif isinstance(event, TextDelta) and self.first_delta_at is None:
                self.first_delta_at = now
            elif isinstance(event, GenerationFinished):
                self.finished_at = now
            sink(event)

        self._engine.start(timed)

    def next_request(self) -> None:
        """Forget the last reply's times before the next request."""
        self.submitted_at = self.first_delta_at = self.finished_at = None
