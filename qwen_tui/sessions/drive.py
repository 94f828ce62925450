"""`BlockingChat`: chat with an engine from one thread, outside the UI, recording each turn.

Used by `qwen-chat replay --print` (and any command that chats without the UI). Each
turn is planned exactly as the UI plans it (`plan_turn`); the engine's events are
awaited on the calling thread and handed to `on_event`, e.g. for printing.
"""

from __future__ import annotations

import queue
from collections.abc import Callable

from qwen_tui.chat.messages import Conversation, FinishReason, Message
from qwen_tui.chat.turn_plan import plan_turn
from qwen_tui.config import Settings
from qwen_tui.engine.base import (
    Engine,
    EngineError,
    EngineEvent,
    EngineFailure,
    EngineReady,
    ErrorKind,
    GenerationFinished,
    GenerationRequest,
)
from qwen_tui.sessions.recorded import RecordedConversation
from qwen_tui.sessions.recorder import SessionRecorder

EventHandler = Callable[[EngineEvent], None]


def _ignore(event: EngineEvent) -> None:
    """The default event handler: nothing to show."""


class BlockingChat:
    """Owns a conversation and sends it one user message at a time."""

    def __init__(
        self,
        engine: Engine,
        settings: Settings,
        conversation: Conversation | None = None,
        *,
        recorder: SessionRecorder | None = None,
        on_event: EventHandler = _ignore,
    ) -> None:
        self.engine = engine
        self.settings = settings
        conversation = conversation or Conversation(system_prompt=settings.system_prompt)
        self.recorded = RecordedConversation(conversation, recorder)
        self.on_event = on_event
        self._events: queue.Queue[EngineEvent] = queue.Queue()
        self._request_id = 0

    @property
    def conversation(self) -> Conversation:
        return self.recorded.conversation

    @property
    def quantized(self) -> bool:
        """Whether the model card's quantized preset (presence penalty 1.5) applies: the
        engine's `quantized` flag where it knows its weights, True where it does not say."""
        return getattr(self.engine, "quantized", None) is not False

    def start(self) -> EngineReady:
        """Start the engine and wait until it has loaded; raises EngineFailure if it fails."""
        self.engine.start(self._events.put)
        while True:
            event = self._next_event()
            if isinstance(event, EngineReady):
                return event
            if isinstance(event, EngineError):
                raise EngineFailure(event.message, event.kind)

    def send(self, prompt: str) -> Message:
        """One exchange: the reply is added to the conversation (and recorded) whatever
        its end; a failed turn then raises EngineFailure."""
        plan = plan_turn(self.conversation, prompt, self.settings, quantized=self.quantized)
        self.recorded.begin(prompt)
        self._request_id += 1
        self.engine.submit(GenerationRequest.from_plan(plan, self._request_id))
        finished, error = self._await_finish()
        reply = self.recorded.finish(finished, plan)
        if error is not None:
            raise EngineFailure(error.message, error.kind)
        if finished.reason is FinishReason.ERROR:
            raise EngineFailure("the engine failed without saying why", ErrorKind.INTERNAL)
        return reply

    def _await_finish(self) -> tuple[GenerationFinished, EngineError | None]:
        error = None
        while True:
            event = self._next_event()
            self.recorded.on_event(event)
            if isinstance(event, EngineError):
                error = event
            elif isinstance(event, GenerationFinished) and event.request_id == self._request_id:
                return event, error

    def _next_event(self) -> EngineEvent:
        event = self._events.get()
        self.on_event(event)
        return event
