"""`ManualEngine`: an engine whose events the test sends itself, one by one.

The conversation core is single-threaded and only reacts to the events it is handed, so
its queue, stop and budget behaviour can be checked step by step without any thread.
"""

from __future__ import annotations

import json

from qwen_tui.chat.messages import FinishReason, GenerationStats
from qwen_tui.chat.parts import Part, TextDelta
from qwen_tui.engine.base import Engine, GenerationRequest, TemplateMessages
from qwen_tui.engine.events import EngineReady, EventSink, GenerationFinished

TOKENS_PER_MESSAGE = 10
"""What `count_prompt_tokens` charges each message, whatever its text, plus its
characters: easy sums for budget tests."""


class ManualEngine(Engine):
    name = "manual"
    model_name = "manual model"

    def __init__(self, context_limit: int = 40_960) -> None:
        self.context_limit = context_limit
        self.requests: list[GenerationRequest] = []
        self.cancels = 0
        self.closed = False

    def start(self, sink: EventSink) -> None:
        pass

    def submit(self, request: GenerationRequest) -> None:
        self.requests.append(request)

    def cancel(self) -> None:
        self.cancels += 1

    def count_prompt_tokens(
        self, messages: TemplateMessages, enable_thinking: bool, tools=None
    ) -> int:
        """Each tool offered costs the characters of its JSON, as a message's text does."""
        offered = sum(len(json.dumps(tool)) for tool in tools or ())
        return sum(TOKENS_PER_MESSAGE + len(m["content"]) for m in messages) + offered

    def close(self) -> None:
        self.closed = True

    # -- events a test hands the core ------------------------------------------------------

    def ready(self) -> EngineReady:
        return EngineReady(self.model_name, self.context_limit, 0.1)

    def thinking(self, text: str, request_id: int | None = None) -> TextDelta:
        return TextDelta(Part.THINKING, text, request_id or self.requests[-1].request_id)

    def answer(self, text: str, request_id: int | None = None) -> TextDelta:
        return TextDelta(Part.ANSWER, text, request_id or self.requests[-1].request_id)

    def finished(
        self,
        answer: str,
        thinking: str = "",
        reason: FinishReason = FinishReason.STOP,
        request_id: int | None = None,
    ) -> GenerationFinished:
        stats = GenerationStats(12, 5, 0.1, 50.0, 0.2)
        rid = request_id or self.requests[-1].request_id
        return GenerationFinished(rid, reason, stats, thinking, answer)
