"""`BlockingChat`: a conversation driven from one thread outside the UI, for `qwen-chat
run` and `replay --print`.

The engine posts its events to a queue from its own thread; `BlockingChat` waits on it,
passes each event to the `ConversationCore` and hands every update to `show` (a printer,
say). The core decides whether a turn fits the context, as it does for the UI; what to do
about a turn that does not is the front-end's `decide`: take the shorter reply that fits
(`BudgetChoice.SHORTER`), or refuse (None), which raises `TurnNotSent`. With tools, a
turn is the whole loop; a call that needs approval gets the front-end's `approve`
answer (`run` denies unless `--yes`). The tool runner posts to the same queue (`events`).
"""

from __future__ import annotations

import queue
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass

from qwen_tui.chat.messages import FinishReason, Message, ToolCallRecord
from qwen_tui.conversation.core import ConversationCore
from qwen_tui.conversation.live_turn import LiveTurn
from qwen_tui.conversation.tool_runner import CoreEvent
from qwen_tui.conversation.updates import (
    BudgetChoice,
    BudgetQuestion,
    LoadFailed,
    Ready,
    Refused,
    ToolApprovalNeeded,
    ToolLoopStopped,
    TurnEnded,
    Update,
)
from qwen_tui.engine.base import EngineFailure
from qwen_tui.engine.events import (
    EngineError,
    EngineReady,
    ErrorKind,
    GenerationFinished,
)
from qwen_tui.tools.approval import Answer

BudgetPolicy = Callable[[BudgetQuestion], BudgetChoice | None]
ApprovalPolicy = Callable[[ToolCallRecord], Answer]


def deny(call: ToolCallRecord) -> Answer:
    """The default `approve`: a front-end that cannot ask runs nothing it was not told to."""
    return Answer.DENY


def _ignore(update: Update) -> None:
    """The default `show`: nothing to show."""


class TurnNotSent(Exception):
    """The turn does not fit the context and the front-end chose not to send it."""

    def __init__(self, question: BudgetQuestion) -> None:
        super().__init__(question.budget.message)
        self.question = question


@dataclass(frozen=True)
class TurnResult:
    """A turn that ran: how its last step was planned, its last reply, and the engine's
    own end of it (None when it was stopped before the engine reported back); `updates`
    are all the turn's updates, every step of a tool loop."""

    turn: LiveTurn
    message: Message
    finished: GenerationFinished | None
    updates: tuple[Update, ...] = ()


class BlockingChat:
    """Sends a conversation's prompts one at a time and waits for each reply."""

    def __init__(
        self,
        core: ConversationCore,
        *,
        decide: BudgetPolicy,
        show: Callable[[Update], None] = _ignore,
        approve: ApprovalPolicy = deny,
        events: queue.Queue[CoreEvent] | None = None,
    ) -> None:
        self.core = core
        self.decide = decide
        self.show = show
        self.approve = approve
        self._events: queue.Queue[CoreEvent] = events if events is not None else queue.Queue()
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
        seen: list[Update] = []
        ended: TurnEnded | None = None
        try:
            while True:
                while todo:
                    update = todo.popleft()
                    seen.append(update)
                    self.show(update)
                    if isinstance(update, BudgetQuestion):
                        todo.extend(self._answer(update))
                    elif isinstance(update, Refused) and update.reason:
                        raise EngineFailure(update.reason, ErrorKind.MODEL_MISSING)
                    elif isinstance(update, ToolApprovalNeeded):
                        todo.extend(self.core.answer_tool(self.approve(update.call)))
                    elif isinstance(update, TurnEnded):
                        ended = update
                    if ended is not None and (
                        isinstance(update, ToolLoopStopped) or ended.last_step and not todo
                    ):
                        return self._result(ended, seen)
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

    def _apply(self, event: CoreEvent) -> list[Update]:
        if isinstance(event, EngineError):
            self._error = event
        elif isinstance(event, GenerationFinished):
            self._finished = event
        return self.core.handle(event)

    def _result(self, ended: TurnEnded, updates: list[Update]) -> TurnResult:
        if self._error is not None:
            raise EngineFailure(self._error.message, self._error.kind)
        if ended.message.finish_reason is FinishReason.ERROR:
            raise EngineFailure("the engine failed without saying why", ErrorKind.INTERNAL)
        return TurnResult(ended.turn, ended.message, self._finished, tuple(updates))
