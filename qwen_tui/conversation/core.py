"""`ConversationCore`: the conversation in use and the one lifecycle of a turn.

A turn goes: plan (`chat.turn_plan`) → budget verdict (`budget.py`) → request → the
engine's events → the finished message → the session record, and with tools offered a
loop of such steps (`tool_loop.py`). One request is in the engine at a time: a prompt
sent while the model loads or answers waits in the queue, and after a stop the next one
waits until the engine has really stopped. The core is plain,
single-threaded Python: a front-end calls it from one thread (the UI's, or the CLI's),
passes it every engine event (and every `ToolFinished` of its tool runner), and shows
the updates each call returns. The settings commands are in `conversation_commands.py`
and `tuning_commands.py` (`/set`); `/model` is `model_switch.py`, through `use_engine`;
regenerating a reply and choosing among a message's replies is `regenerating.py`.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterator
from dataclasses import replace
from enum import StrEnum
from itertools import count

from qwen_tui.chat.messages import Conversation, Message, Role
from qwen_tui.chat.parts import TextDelta
from qwen_tui.chat.turn_plan import TurnPlan, plan_turn
from qwen_tui.config import Settings
from qwen_tui.conversation import continuing, forking
from qwen_tui.conversation.budget import accepted, drop_oldest_turns, judge_turn, ways_out
from qwen_tui.conversation.live_turn import LiveTurn
from qwen_tui.conversation.opening import ContinuedSession
from qwen_tui.conversation.recording import RecorderFactory, SessionRecording
from qwen_tui.conversation.regenerating import QueuedStep, Regenerating
from qwen_tui.conversation.tool_loop import ToolActivity, ToolLoop
from qwen_tui.conversation.tool_runner import CoreEvent, ToolFinished, ToolRunner, ToolSummary
from qwen_tui.conversation.tuning_commands import TuningCommands
from qwen_tui.conversation.updates import (
    BudgetChoice,
    BudgetQuestion,
    ConversationChanged,
    LoadFailed,
    Loading,
    NotSaved,
    Queued,
    QueueWait,
    Ready,
    Refused,
    Severity,
    TextStreamed,
    ToolCallWritten,
    ToolLoopStopped,
    TurnEnded,
    TurnsDropped,
    TurnStarted,
    Update,
)
from qwen_tui.engine.base import Engine, EngineFailure, GenerationRequest
from qwen_tui.engine.events import (
    EngineError,
    EngineReady,
    GenerationFinished,
    LoadProgress,
)
from qwen_tui.sessions import SessionRecorder
from qwen_tui.tools.approval import Answer


class EngineState(StrEnum):
    """The engine as the conversation knows it."""

    LOADING = "loading"
    READY = "ready"
    FAILED = "failed"


class ConversationCore(Regenerating, TuningCommands):
    """Owns the conversation, its settings, the queue, the live turn and the tool loop."""

    def __init__(
        self,
        engine: Engine,
        settings: Settings,
        conversation: Conversation | None = None,
        *,
        recorder_factory: RecorderFactory | None = None,
        queued: tuple[QueuedStep, ...] = (),
        request_ids: Iterator[int] | None = None,
        tools: ToolRunner | None = None,
    ) -> None:
        """`conversation` pre-fills the history (resume); `recorder_factory` opens the
        session each conversation is saved in (none: nothing saved); `queued` prompts go
        out one after another as if typed; `request_ids` numbers the requests (shared by
        cores that take turns on one engine, so its events name one core's turn); `tools`
        runs the model's tool calls (none: no tools are offered)."""
        super().__init__()
        self.engine = engine
        self.settings = settings
        """The one current copy of the settings: the hard switch and the system prompt
        change here, and each new session records them as they are when it starts."""
        self.conversation = conversation or Conversation(settings.system_prompt)
        self.state = EngineState.LOADING
        self.load_error = ""
        self.pending: deque[QueuedStep] = deque(queued)
        self.live: LiveTurn | None = None
        self.in_engine: int | None = None
        """The request the engine still works on (after a stop, until it has noticed)."""
        self.question: BudgetQuestion | None = None
        self.short_replies_ok = False
        self._request_ids = request_ids if request_ids is not None else count(1)
        self.recording = SessionRecording(recorder_factory, self._session_problem)
        self.recording.start(settings, engine)
        self.tool_loop = ToolLoop(
            tools,
            settings.tools,
            keep=self._keep_tool_result,
            offer=self.recording.tools,
            out=self._post,
            next_step=self._step,
        )

    @property
    def recorder(self) -> SessionRecorder | None:
        """The session this conversation is saved in, if any."""
        return self.recording.recorder

    @property
    def busy(self) -> bool:
        """A turn streams, the engine still works on one, its tool calls run or wait for
        the user, or a budget question is open."""
        return (
            self.in_engine is not None
            or self.live is not None
            or self.question is not None
            or self.tool_loop.busy
        )

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
            self._post(Refused(question.text, ""))
            self._send_next()
            return self._take()
        if choice is BudgetChoice.SHORTER:
            self.short_replies_ok = True
        elif choice is BudgetChoice.DROP:
            turns = question.budget.turns_to_drop or 0
            self._post(TurnsDropped(drop_oldest_turns(self.conversation, turns)))
            self._notice(f"The oldest {turns} turn(s) left the model's context.")
        else:
            self._switch(Conversation(self.conversation.system_prompt), None)
        self._start(question.text, chosen=True)
        return self._take()

    def answer_tool(self, answer: Answer) -> list[Update]:
        """The user's answer to the open `ToolApprovalNeeded`; the loop goes on."""
        self.tool_loop.answer(answer)
        self._send_next()
        return self._take()

    def answer_results(self) -> list[Update]:
        """Reply to the conversation as it stands, ending with tool results that another
        program's tools gave (a request to `qwen-chat serve`): the next step of its loop."""
        history = self.conversation.messages
        user = max((i for i, m in enumerate(history) if m.role is Role.USER), default=-1)
        self._step(sum(m.role is Role.ASSISTANT for m in history[user + 1 :]))
        return self._take()

    def cancel(self) -> list[Update]:
        """Stop the live turn now; what streamed so far is its reply, marked cancelled. In
        the tool loop, the running call is cancelled and the turn ends."""
        self._stop_live()
        if self.tool_loop.cancel():
            self._send_next()
        return self._take()

    def continue_reply(self) -> list[Update]:
        """Go on with the last reply, cut off by Esc or the length limit, in that reply."""
        ready = self.state is EngineState.READY and self.engine.playback is None
        why = continuing.why_not(self.conversation, self.engine, self.busy or not ready)
        if why:
            self._notice(why, Severity.WARNING)
            return self._take()
        plan, partial = continuing.plan_continuation(
            self.conversation, self.settings, self.quantized
        )
        self.conversation.messages.pop()  # the finished reply takes its place
        request_id = next(self._request_ids)
        tokens = self._prompt_tokens(plan)
        live = LiveTurn(request_id, plan.messages[-1]["content"], plan, tokens, partial)
        self._launch(live, continuing.continuation_request(plan, partial, request_id))
        return self._take()

    def edit_and_fork(self, number: int, text: str, dropped: int = 0) -> list[Update]:
        """Send `text` in place of user message `number` in a new session, the history
        before it copied (`forking.py`; `dropped` of the messages shown left the context)."""
        why = forking.why_not(self, number, dropped)
        if why:
            self._notice(why, Severity.WARNING)
            return [*self._take(), Refused(text, "")]
        session_id = None if self.recorder is None else self.recorder.session_id
        self._switch(forking.fork_at(self.conversation, number, session_id, dropped), None)
        self.recording.fork(self.conversation)
        return [*self._take(), *self.send(text)]

    def regenerate(self) -> list[Update]:
        """Answer the last user message again (Ctrl+R, `/retry`), see regenerating.py."""
        return self._regenerate(ready=self.state is EngineState.READY, busy=self.busy)

    def show_reply(self, turns_back: int, step: int) -> list[Update]:
        """Show the next (`step` 1) or previous (-1) reply of the user message `turns_back`
        before the last."""
        return self._show_reply(turns_back, step, self.busy)

    def new_conversation(self) -> list[Update]:
        """Stop any reply, forget the history and the queue, start a new session."""
        self._switch(Conversation(self.conversation.system_prompt), None)
        return self._take()

    def continue_session(self, continued: ContinuedSession) -> list[Update]:
        """Stop any reply and the queue, then go on with a saved session."""
        self.settings = continued.settings
        self._switch(continued.conversation, continued.recorder)
        return self._take()

    def use_engine(self, engine: Engine, settings: Settings) -> None:
        """Go on with `engine`, of `settings` (another model: `model_switch.py`), once it
        has loaded; messages sent meanwhile wait for it."""
        self.engine, self.settings = engine, settings
        self.state, self.load_error = EngineState.LOADING, ""

    def close(self) -> None:
        """Stop recording (the live turn, if any, is saved as stopped first)."""
        self._stop_live()
        self.tool_loop.cancel()
        self.recording.stop()

    # -- what the engine does --------------------------------------------------------------

    def handle(self, event: CoreEvent) -> list[Update]:
        """Apply one engine event, or the result of a tool call."""
        if isinstance(event, ToolFinished):
            self.tool_loop.finished(event)
            self._send_next()
        elif isinstance(event, TextDelta):
            self._streamed(event)
        elif isinstance(event, GenerationFinished):
            self._finished(event)
        elif isinstance(event, LoadProgress):
            self._post(Loading(event))
        elif isinstance(event, EngineReady):
            self.state = EngineState.READY
            self._post(Ready(event))
            self._send_next()
        elif isinstance(event, EngineError):
            if self.state is EngineState.LOADING:
                self.state = EngineState.FAILED
                self.load_error = event.message
                self._post(LoadFailed(event.message))
            self._notice(event.message, Severity.ERROR, "Engine error")
        return self._take()

    # -- what the front-end asks -----------------------------------------------------------

    def tool_summary(self) -> ToolSummary:
        """The tools and servers on offer (none without a tool runner)."""
        return self.tool_loop.summary()

    @property
    def tool_activity(self) -> ToolActivity:
        """Whether the last reply's tool calls run, wait for the user, or neither."""
        return self.tool_loop.activity

    # -- the lifecycle ---------------------------------------------------------------------

    def _start(self, text: str, *, chosen: bool = False) -> None:
        """Plan and judge the turn; send it, or ask how to make it fit. After the user
        `chosen` a way out, a shorter reply is taken rather than asking again."""
        plan = plan_turn(self.conversation, text, self.settings, self.quantized)
        for warning in plan.warnings:
            self._notice(warning, Severity.WARNING)
        shorter_ok = self.short_replies_ok or chosen
        try:
            tools = self.tool_loop.specs()
            budget = judge_turn(self.engine, self.conversation, plan, shorter_ok, tools)
        except EngineFailure as exc:  # the prompt cannot be rendered (a broken template)
            self._notice(str(exc), Severity.ERROR, "Engine error")
            self._post(Refused(text, str(exc)))
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
            self._post(Refused(text, budget.message))
            self._send_next()
        else:
            self.question = BudgetQuestion(text, budget, ways_out(budget))
            self._post(self.question)

    def _queue_wait(self) -> QueueWait:
        if self.state is EngineState.LOADING:
            return QueueWait.MODEL
        if self.question is not None:
            return QueueWait.QUESTION
        return QueueWait.REPLY

    def _submit(self, text: str, plan: TurnPlan, prompt_tokens: int) -> None:
        request_id = next(self._request_ids)
        self.recording.user(self.conversation.add_user(text))
        live = LiveTurn(request_id, text, plan, prompt_tokens)
        self._launch(live, self._request(plan, request_id))

    def _step(self, step: int) -> None:
        """The next model step of the tool loop: the reply to the calls' results."""
        plan = plan_turn(self.conversation, None, self.settings, self.quantized)
        prompt_tokens = self._prompt_tokens(plan, self.tool_loop.specs())
        room = self.engine.context_limit - prompt_tokens
        if room < 1:
            self._post(ToolLoopStopped("The context is full; the tools' results were not sent."))
            return
        plan = replace(plan, max_new_tokens=min(plan.max_new_tokens, room))
        user = next(m.content for m in reversed(self.conversation.messages) if m.role is Role.USER)
        live = LiveTurn(next(self._request_ids), user, plan, prompt_tokens, step=step)
        self._launch(live, self._request(plan, live.request_id))

    def _request(self, plan: TurnPlan, request_id: int) -> GenerationRequest:
        """The request of a planned reply, offered the tools."""
        request = GenerationRequest.from_plan(plan, request_id)
        return replace(request, tools=self.tool_loop.offered())

    def _launch(self, live: LiveTurn, request: GenerationRequest) -> None:
        self.in_engine = live.request_id
        self.live = live
        self.tool_loop.begin(request.tools)
        self.engine.submit(request)
        self._post(TurnStarted(live))

    def _keep_tool_result(self, message: Message) -> None:
        self.conversation.messages.append(message)
        self.recording.tool(message)

    def _streamed(self, delta: TextDelta) -> None:
        live = self.live
        if live is None or live.request_id != delta.request_id:
            # The turn was stopped but the engine has not noticed yet: ask again.
            self.engine.cancel()
            return
        for shown in self.tool_loop.shown(delta):
            if isinstance(shown, TextDelta):
                live.add(shown)
                self._post(TextStreamed(live, shown))
            else:
                self._post(ToolCallWritten(live, shown))

    def _finished(self, event: GenerationFinished) -> None:
        if event.request_id == self.in_engine:
            self.in_engine = None
        live = self.live
        if live is not None and live.request_id == event.request_id:
            for held in self.tool_loop.held():
                live.add(held)
                self._post(TextStreamed(live, held))
            self._end_live(self.tool_loop.reply(live.finished(event)))
        self._send_next()

    def _end_live(self, message: Message) -> None:
        live = self.live
        assert live is not None
        self.live = None
        self.conversation.messages.append(message)
        self.recording.assistant(message, live.take_timeline())
        self._post(TurnEnded(live, message, not self.tool_loop.goes_on(live.step, message)))
        self.tool_loop.after_reply(live.step, message)

    def _stop_live(self) -> None:
        live = self.live
        if live is not None:
            self.engine.cancel()
            self._end_live(live.stopped())

    def _send_next(self) -> None:
        if self.pending and self.state is EngineState.READY and not self.busy:
            step = self.pending.popleft()
            if isinstance(step, str):
                self._start(step)
            else:  # a regeneration or a choice of reply, as `qwen-chat play` shows them
                self._queued_step(step)
                self._send_next()

    def _switch(self, conversation: Conversation, recorder: SessionRecorder | None) -> None:
        self._stop_live()  # the stopped reply is saved in the session it belongs to
        self.tool_loop.reset()
        self.pending.clear()
        self.conversation = conversation
        self.short_replies_ok = False
        if recorder is None:
            self.recording.start(self.settings, self.engine)
        else:
            self.recording.adopt(recorder)
        # As it is now: a message sent right after (a budget choice) is its own update.
        self._post(ConversationChanged(replace(conversation, messages=[*conversation.messages])))

    def _session_problem(self, reason: str) -> None:
        self._post(NotSaved(reason))
