"""`ConversationCore`: the conversation in use and the one lifecycle of a turn.

A turn goes: plan (`chat.turn_plan`) → budget verdict (`budget.py`) → request → the
engine's events → the finished message → the session record. One request is in the
engine at a time: a prompt sent while the model loads or answers waits in the queue, and
after a stop the next one waits until the engine has really stopped. The core is plain,
single-threaded Python: a front-end calls it from one thread (the UI's, or the CLI's),
passes it every engine event, and shows the updates each call returns.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterator
from dataclasses import replace
from enum import StrEnum
from itertools import count

from qwen_tui.chat.history import template_messages
from qwen_tui.chat.messages import Conversation, Message
from qwen_tui.chat.parts import TextDelta
from qwen_tui.chat.turn_plan import TurnPlan, plan_turn
from qwen_tui.config import Settings
from qwen_tui.conversation import continuing
from qwen_tui.conversation.budget import accepted, drop_oldest_turns, judge_turn, ways_out
from qwen_tui.conversation.live_turn import LiveTurn
from qwen_tui.conversation.opening import ContinuedSession
from qwen_tui.conversation.recording import RecorderFactory, SessionRecording
from qwen_tui.conversation.updates import (
    BudgetChoice,
    BudgetQuestion,
    ConversationChanged,
    LoadFailed,
    Loading,
    ModeChanged,
    Notice,
    NotSaved,
    Queued,
    QueueWait,
    Ready,
    Refused,
    Severity,
    SystemPromptChanged,
    TextStreamed,
    TurnEnded,
    TurnsDropped,
    TurnStarted,
    Update,
)
from qwen_tui.engine.base import Engine, EngineFailure, GenerationRequest
from qwen_tui.engine.events import (
    EngineError,
    EngineEvent,
    EngineReady,
    GenerationFinished,
    LoadProgress,
)
from qwen_tui.sessions import SessionRecorder


class EngineState(StrEnum):
    """The engine as the conversation knows it."""

    LOADING = "loading"
    READY = "ready"
    FAILED = "failed"


class ConversationCore:
    """Owns the conversation, its settings, the queue and the live turn."""

    def __init__(
        self,
        engine: Engine,
        settings: Settings,
        conversation: Conversation | None = None,
        *,
        recorder_factory: RecorderFactory | None = None,
        queued: tuple[str, ...] = (),
        request_ids: Iterator[int] | None = None,
    ) -> None:
        """`conversation` pre-fills the history (resume); `recorder_factory` opens the
        session each conversation is saved in (none: nothing saved); `queued` prompts go
        out one after another as if typed; `request_ids` numbers the requests (shared by
        cores that take turns on one engine, so its events name one core's turn)."""
        self.engine = engine
        self.settings = settings
        """The one current copy of the settings: the hard switch and the system prompt
        change here, and each new session records them as they are when it starts."""
        self.conversation = conversation or Conversation(settings.system_prompt)
        self.state = EngineState.LOADING
        self.load_error = ""
        self.pending: deque[str] = deque(queued)
        self.live: LiveTurn | None = None
        self.in_engine: int | None = None
        """The request the engine still works on (after a stop, until it has noticed)."""
        self.question: BudgetQuestion | None = None
        self.short_replies_ok = False
        self._outbox: list[Update] = []
        self._request_ids = request_ids if request_ids is not None else count(1)
        self.recording = SessionRecording(recorder_factory, self._session_problem)
        self.recording.start(settings)

    @property
    def recorder(self) -> SessionRecorder | None:
        """The session this conversation is saved in, if any."""
        return self.recording.recorder

    @property
    def busy(self) -> bool:
        """A turn streams, the engine still works on one, or a budget question is open."""
        return self.in_engine is not None or self.live is not None or self.question is not None

    @property
    def quantized(self) -> bool:
        """Whether the card's quantized preset applies: an engine that does not know yet
        (or at all) gets it."""
        return self.engine.quantized is not False

    # -- what the user does ----------------------------------------------------------------

    def send(self, text: str) -> list[Update]:
        """Send `text` now, or queue it; `Refused` if nothing can be sent."""
        if self.state is EngineState.FAILED:
            reason = (
                f"The engine failed to load ({self.load_error}); nothing can be sent. "
                "Quit and fix it, or run qwen-chat --engine demo."
            )
            return [Refused(text, reason)]
        if self.engine.playback is not None:
            reason = (
                "This is a recorded session played back; nothing can be sent to it. "
                "To go on with it, quit and run qwen-chat resume."
            )
            return [Refused(text, reason)]
        if self.state is EngineState.LOADING or self.busy or self.pending:
            self.pending.append(text)
            return [Queued(text, len(self.pending), self._queue_wait())]
        self._start(text)
        return self._take()

    def answer_budget(self, choice: BudgetChoice | None) -> list[Update]:
        """The user's way out of the open `BudgetQuestion`: one of its `choices`, or None to
        have the text back. A chosen way out sends the message, with the shorter reply the
        context leaves if that is all it leaves; the same question is never asked twice."""
        question, self.question = self.question, None
        if question is None:
            return []
        if choice is None or choice not in question.choices:
            self._outbox.append(Refused(question.text, ""))
            self._send_next()
            return self._take()
        if choice is BudgetChoice.SHORTER:
            self.short_replies_ok = True
        elif choice is BudgetChoice.DROP:
            turns = question.budget.turns_to_drop or 0
            self._outbox.append(TurnsDropped(drop_oldest_turns(self.conversation, turns)))
            self._notice(f"The oldest {turns} turn(s) left the model's context.")
        else:
            self._switch(Conversation(self.conversation.system_prompt), None)
        self._start(question.text, chosen=True)
        return self._take()

    def cancel(self) -> list[Update]:
        """Stop the live turn now; what streamed so far is its reply, marked cancelled."""
        self._stop_live()
        return self._take()

    def toggle_thinking(self) -> list[Update]:
        """The hard switch, for the turns that follow."""
        self.settings = replace(self.settings, thinking=not self.settings.thinking)
        self._outbox.append(ModeChanged(self.settings.thinking))
        state = "on" if self.settings.thinking else "off"
        self._notice(f"Thinking {state} for the next messages.")
        return self._take()

    def set_thinking_budget(self, tokens: int | None) -> list[Update]:
        """The thinking budget of the turns that follow (None: no limit)."""
        if tokens is not None and tokens < 1:
            return [
                Notice("The thinking budget is a number of tokens, at least 1.", Severity.ERROR)
            ]
        self.settings = replace(self.settings, thinking_budget=tokens)
        limit = "no limit" if tokens is None else f"{tokens:,} tokens"
        self._notice(f"Thinking budget: {limit} for the next messages.")
        return self._take()

    def continue_reply(self) -> list[Update]:
        """Go on with the last reply, cut off by Esc or the length limit, in that reply."""
        ready = self.state is EngineState.READY and self.engine.playback is None
        why = continuing.why_not(self.conversation, self.engine, self.busy or not ready)
        if why:
            return [Notice(why, Severity.WARNING)]
        plan, partial = continuing.plan_continuation(
            self.conversation, self.settings, self.quantized
        )
        self.conversation.messages.pop()  # the finished reply takes its place
        request_id = next(self._request_ids)
        self.in_engine = request_id
        tokens = self._prompt_tokens(plan)
        self.live = LiveTurn(request_id, plan.messages[-1]["content"], plan, tokens, partial)
        self.engine.submit(continuing.continuation_request(plan, partial, request_id))
        self._outbox.append(TurnStarted(self.live))
        return self._take()

    def set_system_prompt(self, text: str) -> list[Update]:
        """`/system TEXT`: the system prompt for the turns that follow (empty: none)."""
        prompt = text.strip()
        self.settings = replace(self.settings, system_prompt=prompt)
        self.conversation.system_prompt = prompt
        self.recording.system_prompt(prompt)
        self._outbox.append(SystemPromptChanged(prompt))
        self._notice(f"System prompt set to {prompt!r}." if prompt else "System prompt cleared.")
        return self._take()

    def new_conversation(self) -> list[Update]:
        """Stop any reply, forget the history and the queue, start a new session."""
        self._switch(Conversation(self.conversation.system_prompt), None)
        return self._take()

    def continue_session(self, continued: ContinuedSession) -> list[Update]:
        """Stop any reply and the queue, then go on with a saved session."""
        self.settings = continued.settings
        self._switch(continued.conversation, continued.recorder)
        return self._take()

    def close(self) -> None:
        """Stop recording (the live turn, if any, is saved as stopped first)."""
        self._stop_live()
        self.recording.stop()

    # -- what the engine does --------------------------------------------------------------

    def handle(self, event: EngineEvent) -> list[Update]:
        """Apply one engine event."""
        if isinstance(event, TextDelta):
            self._streamed(event)
        elif isinstance(event, GenerationFinished):
            self._finished(event)
        elif isinstance(event, LoadProgress):
            self._outbox.append(Loading(event))
        elif isinstance(event, EngineReady):
            self.state = EngineState.READY
            self._outbox.append(Ready(event))
            self._send_next()
        elif isinstance(event, EngineError):
            if self.state is EngineState.LOADING:
                self.state = EngineState.FAILED
                self.load_error = event.message
                self._outbox.append(LoadFailed(event.message))
            self._notice(event.message, Severity.ERROR, "Engine error")
        return self._take()

    # -- what the front-end asks -----------------------------------------------------------

    def base_thinking(self) -> bool:
        """The mode the next turn runs in if the pending message has no soft switch."""
        return plan_turn(self.conversation, "", self.settings).thinking

    def context_used(self) -> int:
        """Prompt tokens the conversation takes now (what the next turn starts from)."""
        messages = template_messages(self.conversation)
        if not messages:
            return 0
        try:
            return self.engine.count_prompt_tokens(messages, self.settings.thinking)
        except EngineFailure:
            return 0  # not countable (a failing template): sending says why

    def _prompt_tokens(self, plan: TurnPlan) -> int:
        try:
            return self.engine.count_prompt_tokens(plan.messages, plan.enable_thinking)
        except EngineFailure:
            return 0

    # -- the lifecycle ---------------------------------------------------------------------

    def _start(self, text: str, *, chosen: bool = False) -> None:
        """Plan and judge the turn; send it, or ask how to make it fit. After the user
        `chosen` a way out, a shorter reply is taken rather than asking again."""
        plan = plan_turn(self.conversation, text, self.settings, self.quantized)
        for warning in plan.warnings:
            self._notice(warning, Severity.WARNING)
        shorter_ok = self.short_replies_ok or chosen
        try:
            budget = judge_turn(self.engine, self.conversation, plan, shorter_ok)
        except EngineFailure as exc:  # the prompt cannot be rendered (a broken template)
            self._notice(str(exc), Severity.ERROR, "Engine error")
            self._outbox.append(Refused(text, str(exc)))
            return
        if accepted(budget, shorter_ok):
            if chosen and not self.short_replies_ok and budget.max_new_tokens < plan.max_new_tokens:
                self._notice(
                    f"The reply can have at most {budget.max_new_tokens:,} new tokens, "
                    "all the context has room for."
                )
            self._submit(
                text, replace(plan, max_new_tokens=budget.max_new_tokens), budget.prompt_tokens
            )
        elif chosen:  # only when the counts changed under the choice: never loop
            self._outbox.append(Refused(text, budget.message))
            self._send_next()
        else:
            self.question = BudgetQuestion(text, budget, ways_out(budget))
            self._outbox.append(self.question)

    def _queue_wait(self) -> QueueWait:
        if self.state is EngineState.LOADING:
            return QueueWait.MODEL
        if self.question is not None:
            return QueueWait.QUESTION
        return QueueWait.REPLY

    def _submit(self, text: str, plan: TurnPlan, prompt_tokens: int) -> None:
        request_id = next(self._request_ids)
        self.recording.user(self.conversation.add_user(text))
        self.in_engine = request_id
        self.live = LiveTurn(request_id, text, plan, prompt_tokens)
        self.engine.submit(GenerationRequest.from_plan(plan, request_id))
        self._outbox.append(TurnStarted(self.live))

    def _streamed(self, delta: TextDelta) -> None:
        live = self.live
        if live is None or live.request_id != delta.request_id:
            # The turn was stopped but the engine has not noticed yet: ask again.
            self.engine.cancel()
            return
        live.add(delta)
        self._outbox.append(TextStreamed(live, delta))

    def _finished(self, event: GenerationFinished) -> None:
        if event.request_id == self.in_engine:
            self.in_engine = None
        live = self.live
        if live is not None and live.request_id == event.request_id:
            self._end_live(live.finished(event))
        self._send_next()

    def _end_live(self, message: Message) -> None:
        live = self.live
        assert live is not None
        self.live = None
        self.conversation.messages.append(message)
        self.recording.assistant(message, live.take_timeline())
        self._outbox.append(TurnEnded(live, message))

    def _stop_live(self) -> None:
        live = self.live
        if live is not None:
            self.engine.cancel()
            self._end_live(live.stopped())

    def _send_next(self) -> None:
        if self.pending and self.state is EngineState.READY and not self.busy:
            self._start(self.pending.popleft())

    def _switch(self, conversation: Conversation, recorder: SessionRecorder | None) -> None:
        self._stop_live()  # the stopped reply is saved in the session it belongs to
        self.pending.clear()
        self.conversation = conversation
        self.short_replies_ok = False
        if recorder is None:
            self.recording.start(self.settings)
        else:
            self.recording.adopt(recorder)
        # As it is now: a message sent right after (a budget choice) is its own update.
        self._outbox.append(
            ConversationChanged(replace(conversation, messages=[*conversation.messages]))
        )

    # -- notices ---------------------------------------------------------------------------

    def _notice(self, text: str, severity: Severity = Severity.INFO, title: str = "") -> None:
        self._outbox.append(Notice(text, severity, title))

    def _session_problem(self, reason: str) -> None:
        self._outbox.append(NotSaved(reason))

    def _take(self) -> list[Update]:
        updates, self._outbox = self._outbox, []
        return updates
