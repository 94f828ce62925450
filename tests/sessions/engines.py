"""Demo engines for session tests: one that keeps its requests, one whose replies fail."""

from __future__ import annotations

import threading

from qwen_tui.engine.base import GenerationRequest
from qwen_tui.engine.events import EventSink, GenerationFinished
from tests.recording_engine import RecordingEngine


class FailingDemo(RecordingEngine):
    """Loads, then fails every reply the way a GPU out of memory does."""

    def _generate(
        self, request: GenerationRequest, sink: EventSink, cancelled: threading.Event
    ) -> GenerationFinished:
        self.requests.append(request)
        raise RuntimeError("CUDA out of memory. Tried to allocate 2.00 GiB")
