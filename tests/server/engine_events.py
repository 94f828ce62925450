"""Run one engine outside any front-end: its events in a queue, one request at a time."""

from __future__ import annotations

import queue

from qwen_tui.chat.sampling import SamplingParams
from qwen_tui.engine.base import Engine, GenerationRequest
from qwen_tui.engine.events import EngineError, EngineEvent, EngineReady, GenerationFinished

SAMPLING = SamplingParams(temperature=0.6, top_p=0.95, top_k=20, min_p=0, presence_penalty=1.5)


class EngineEvents:
    """An engine started with a queue as its sink."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.events: queue.Queue[EngineEvent] = queue.Queue()
        engine.start(self.events.put)

    def loaded(self, timeout: float = 30) -> EngineReady | EngineError:
        while True:
            event = self.events.get(timeout=timeout)
            if isinstance(event, EngineReady | EngineError):
                return event

    def ask(self, *messages: dict[str, str], thinking: bool = True, request_id: int = 1) -> None:
        request = GenerationRequest(tuple(messages), thinking, SAMPLING, 64, request_id)
        self.engine.submit(request)

    def until_finished(self, timeout: float = 30) -> list[EngineEvent]:
        """Every event up to and including the next GenerationFinished."""
        seen = []
        while True:
            seen.append(self.events.get(timeout=timeout))
            if isinstance(seen[-1], GenerationFinished):
                return seen

    def close(self) -> None:
        self.engine.close()
