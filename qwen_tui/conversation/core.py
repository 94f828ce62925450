"""`ConversationCore`: the conversation in use and the one lifecycle of a turn.

A turn goes: plan (`chat.turn_plan`) → budget verdict (`budget.py`) → request → the
engine's events → the finished message → the session record, and with tools offered a
loop of such steps (`tool_loop.py`). One request is in the engine at a time: a prompt
sent while the model loads or answers waits in the queue, and after a stop the next one
waits until the engine has really stopped. The core is plain,
single-threaded Python: a front-end calls it from one thread (the UI's, or the CLI's),
passes it every engine event (and every `ToolFinished` of its tool runner), and shows
the updates each call returns.

Here are what the user does to a turn and what a front-end asks; the rest of the core is
mixins over one state (`core_state.py`): a turn's way into the engine and the queue
(`turn_launch.py`), the engine's events applied to it (`event_handling.py`), which
conversation and engine are in use (`conversation_in_use.py`; `/model` is
`model_switch.py`, through `use_engine`), the settings commands
(`conversation_commands.py`, and `tuning_commands.py` for `/set`), and regenerating a
reply and choosing among a message's replies (`regenerating.py`).
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterator
from itertools import count

from qwen_tui.chat.messages import Conversation, Role
from qwen_tui.config import Settings
from qwen_tui.conversation.budget import drop_oldest_turns
from qwen_tui.conversation.conversation_in_use import ConversationInUse
from qwen_tui.conversation.core_state import EngineState
from qwen_tui.conversation.event_handling import EventHandling
from qwen_tui.conversation.recording import RecorderFactory, SessionRecording
from qwen_tui.conversation.regenerating import QueuedStep, Regenerating
from qwen_tui.conversation.tool_loop import ToolActivity, ToolLoop
from qwen_tui.conversation.tool_runner import ToolRunner, ToolSummary
from qwen_tui.conversation.tuning_commands import TuningCommands
from qwen_tui.conversation.turn_launch import TurnLaunch
from qwen_tui.conversation.updates import (
    BudgetChoice,
    NotSaved,
    Queued,
    Refused,
    TurnsDropped,
    Update,
)
from qwen_tui.engine.base import Engine
from qwen_tui.tools.approval import Answer

__all__ = ["ConversationCore", "EngineState"]


class ConversationCore(ConversationInUse, EventHandling, TurnLaunch, Regenerating, TuningCommands):
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
        self.conversation = conversation or Conversation(settings.system_prompt)
        self.state = EngineState.LOADING
        self.load_error = ""
        self.pending = deque(queued)
        self.live = None
        self.in_engine = None
        self.question = None
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

    def regenerate(self) -> list[Update]:
        """Answer the last user message again (Ctrl+R, `/retry`), see regenerating.py."""
        return self._regenerate(ready=self.state is EngineState.READY, busy=self.busy)

    def show_reply(self, turns_back: int, step: int) -> list[Update]:
        """Show the next (`step` 1) or previous (-1) reply of the user message `turns_back`
        before the last."""
        return self._show_reply(turns_back, step, self.busy)

    def close(self) -> None:
        """Stop recording (the live turn, if any, is saved as stopped first)."""
        self._stop_live()
        self.tool_loop.cancel()
        self.recording.stop()

    # -- what the front-end asks -----------------------------------------------------------

    def tool_summary(self) -> ToolSummary:
        """The tools and servers on offer (none without a tool runner)."""
        return self.tool_loop.summary()

    @property
    def tool_activity(self) -> ToolActivity:
        """Whether the last reply's tool calls run, wait for the user, or neither."""
        return self.tool_loop.activity

    def _session_problem(self, reason: str) -> None:
        self._post(NotSaved(reason))
