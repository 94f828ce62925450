"""`BlockingChat`: a conversation driven from one thread outside the UI, for `qwen-chat
run` and `replay --print`.

The engine posts its events to a queue from its own thread; `BlockingChat` waits on it,
passes each event to the `ConversationCore` and hands every update to `show` (a printer,
say). The core decides whether a turn fits the context, as it does for the UI; what to do
about a turn that does not is the front-end's `decide`: take the shorter reply that fits
(`BudgetChoice.SHORTER`), or refuse (None), which raises `TurnNotSent`.
"""

from __future__ import annotations

import queue
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass

from qwen_tui.chat.messages import FinishReason, Message
from qwen_tui.conversation.core import ConversationCore
from qwen_tui.conversation.live_turn import LiveTurn
from qwen_tui.conversation.updates import (
    BudgetChoice,
    BudgetQuestion,
    LoadFailed,
    Ready,
    Refused,
    TurnEnded,
    Update,
)
from qwen_tui.engine.base import EngineFailure
from qwen_tui.engine.events import (
    EngineError,
    EngineEvent,
    EngineReady,
    ErrorKind,
    GenerationFinished,
)

BudgetPolicy = Callable[[BudgetQuestion], BudgetChoice | None]


def _ignore(update: Update) -> None:
    """The default `show`: nothing to show."""


class TurnNotSent(Exception):
    """The turn does not fit the context and the front-end chose not to send it."""

    def __init__(self, question: BudgetQuestion) -> None:
        super().__init__(question.budget.message)
        self.question = question


@dataclass(frozen=True)
class TurnResult:
    """A turn that ran: how it was planned, its reply, and the engine's own end of it
    (None when it was stopped before the engine reported back)."""

    turn: LiveTurn
    message: Message
    finished: GenerationFinished | None


class BlockingChat:
    """Sends a conversation's prompts one at a time and waits for each reply."""

    def __init__(
        self,
        core: ConversationCore,
        *,
        decide: BudgetPolicy,
        show: Callable[[Update], None] = _ignore,
    ) -> None:
        self.core = core
        self.decide = decide
        self.show = show
        self._events: queue.Queue[EngineEvent] = queue.Queue()
        self._finished: GenerationFinished | None = None
        self._error: EngineError | None = None

    def start(self) -> EngineReady:
        """Start the engine and wait until it has loaded; EngineFailure if it fails."""
        self.core.engine.start(self._events.put)
        while True:
            event = self._events.get()
            for update in self.core.handle(event):
                self.show(update)
                if isinstance(update, Ready):
                    return update.event
                if isinstance(update, LoadFailed):
                    kind = event.kind if isinstance(event, EngineError) else ErrorKind.INTERNAL
                    raise EngineFailure(update.message, kind)

    def send(self, prompt: str) -> TurnResult:
        """One exchange. The reply is added to the conversation (and recorded) however it
        ends; a failed turn then raises EngineFailure, one refused for its length
        TurnNotSent. Ctrl+C (KeyboardInterrupt) or a closed stdout (BrokenPipeError, from
        `show`) stop the turn, keeping its reply, and propagate."""
        self._finished = self._error = None
        todo: deque[Update] = deque(self.core.send(prompt))
        try:
            while True:
                while todo:
                    update = todo.popleft()
                    self.show(update)
                    if isinstance(update, BudgetQuestion):
                        todo.extend(self._answer(update))
                    elif isinstance(update, Refused) and update.reason:
                        raise EngineFailure(update.reason, ErrorKind.MODEL_MISSING)
                    elif isinstance(update, TurnEnded):
                        return self._result(update)
                todo.extend(self._apply(self._events.get()))
        except (KeyboardInterrupt, BrokenPipeError):
            self.stop()
            raise

    def stop(self) -> None:
        """Stop the live turn (its reply is kept, marked cancelled) and wait until the
        engine has stopped too."""
        self.core.cancel()
        while self.core.in_engine is not None:
            self._apply(self._events.get())

    def _answer(self, question: BudgetQuestion) -> list[Update]:
        choice = self.decide(question)
        if choice is None:
            self.core.answer_budget(None)
            raise TurnNotSent(question)
        return self.core.answer_budget(choice)

    def _apply(self, event: EngineEvent) -> list[Update]:
        if isinstance(event, EngineError):
            self._error = event
        elif isinstance(event, GenerationFinished):
            self._finished = event
        return self.core.handle(event)

    def _result(self, ended: TurnEnded) -> TurnResult:
        if self._error is not None:
            raise EngineFailure(self._error.message, self._error.kind)
        if ended.message.finish_reason is FinishReason.ERROR:
            raise EngineFailure("the engine failed without saying why", ErrorKind.INTERNAL)
        return TurnResult(ended.turn, ended.message, self._finished)
