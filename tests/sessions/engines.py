"""Demo engines for session tests: one that keeps its requests, one whose replies fail."""

from __future__ import annotations

import math
import threading

from qwen_tui.engine.base import EventSink, GenerationFinished, GenerationRequest
from qwen_tui.engine.demo import DemoEngine


class RecordingDemo(DemoEngine):
    """The demo engine at full speed, keeping every request it generated for."""

    def __init__(self) -> None:
        super().__init__(tokens_per_s=math.inf, load_s=0.0)
        self.requests: list[GenerationRequest] = []

    def _generate(
        self, request: GenerationRequest, sink: EventSink, cancelled: threading.Event
    ) -> GenerationFinished:
        self.requests.append(request)
        return super()._generate(request, sink, cancelled)


class FailingDemo(RecordingDemo):
    """Loads, then fails every reply the way a GPU out of memory does."""

    def _generate(
        self, request: GenerationRequest, sink: EventSink, cancelled: threading.Event
    ) -> GenerationFinished:
        self.requests.append(request)
        raise RuntimeError("CUDA out of memory. Tried to allocate 2.00 GiB")
