"""The demo engine at full speed, keeping every request it was asked to generate: the
engine the UI and session tests drive."""

from __future__ import annotations

import math
import threading

from qwen_tui.engine.base import GenerationRequest
from qwen_tui.engine.events import EventSink, GenerationFinished
from qwen_tui.engine.scripted.demo import DemoEngine


class RecordingEngine(DemoEngine):
    """The demo engine, keeping every request it was asked to generate."""

    def __init__(self, tokens_per_s: float = math.inf, load_s: float = 0.0, **kwargs) -> None:
        super().__init__(tokens_per_s=tokens_per_s, load_s=load_s, **kwargs)
        self.requests: list[GenerationRequest] = []

    def _generate(
        self, request: GenerationRequest, sink: EventSink, cancelled: threading.Event
    ) -> GenerationFinished:
        self.requests.append(request)
        return super()._generate(request, sink, cancelled)
