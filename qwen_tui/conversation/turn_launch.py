"""`TurnLaunch`: a turn on its way into the engine; a part of `ConversationCore`.

A message is planned (`chat.turn_plan`) and judged against the context (`budget.py`):
it goes out, or a `BudgetQuestion` asks how to make it fit. Each model step of a tool
loop (`tool_loop.py`) is launched here too. One request is in the engine at a time:
what is sent meanwhile waits in `pending`, and goes out when the engine is ready and
the core is no longer busy. A draft can be counted ahead of its send (`count_ahead`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from functools import partial

from qwen_tui.chat.messages import Message, Role
from qwen_tui.chat.turn_plan import TurnPlan, plan_turn
from qwen_tui.conversation.budget import accepted, judge_turn, ways_out
from qwen_tui.conversation.conversation_commands import ConversationCommands
from qwen_tui.conversation.core_state import EngineState
from qwen_tui.conversation.live_turn import LiveTurn
from qwen_tui.conversation.regenerating import AskAgain, ShowReply
from qwen_tui.conversation.updates import (
    BudgetQuestion,
    QueueWait,
    Refused,
    Severity,
    ToolLoopStopped,
    TurnStarted,
)
from qwen_tui.engine.base import EngineFailure, GenerationRequest


class TurnLaunch(ConversationCommands):
    """Planning, judging and submitting turns, and the queue of what waits."""

    _queued_step: Callable[[AskAgain | ShowReply], None]

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

    def count_ahead(self, draft: str) -> Callable[[], int] | None:
        """What to run off the front-end's thread while `draft` is typed: the engine counts
        the prompt it would go out in now, so on Enter the budget check finds it counted (a
        pasted 4k-token prompt's tokenizing not in the reply's time). None where it would
        not go out now: nothing typed, the model loading or busy, a prompt waiting. A
        prompt that cannot be rendered counts 0 here; the send says why."""
        text = draft.strip()
        if not text or self.state is not EngineState.READY or self.busy or self.pending:
            return None
        if self.question is not None or self.engine.playback is not None:
            return None
        plan = plan_turn(self.conversation, text, self.settings, self.quantized)
        return partial(self._prompt_tokens, plan, self.tool_loop.specs())

    def _queue_wait(self) -> QueueWait:
        if self.state is EngineState.LOADING:
            return QueueWait.MODEL
        if self.question is not None:
            return QueueWait.QUESTION
        return QueueWait.REPLY

    def _submit(self, text: str, plan: TurnPlan, prompt_tokens: int) -> None:
        request_id = next(self._request_ids)
        message = self.conversation.add_user(text)
        live = LiveTurn(request_id, text, plan, prompt_tokens)
        self._launch(live, self._request(plan, request_id))
        # Saved once the engine has the request: a new session's file is created and
        # synced (twice) here, which is no part of the time to the first token.
        self.recording.user(message)

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

    def _send_next(self) -> None:
        if self.pending and self.state is EngineState.READY and not self.busy:
            step = self.pending.popleft()
            if isinstance(step, str):
                self._start(step)
            else:  # a regeneration or a choice of reply, as `qwen-chat play` shows them
                self._queued_step(step)
                self._send_next()
