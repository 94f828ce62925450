"""`ToolLoop`: a conversation's tool use, as its `ConversationCore` drives it.

A turn is a loop of model steps. Each step is offered the runner's tools; its reply's
`<tool_call>` blocks are kept out of the streamed text and recorded on the message; a
reply that ended normally with calls starts a `ToolRound`, and when every call has its
result the core sends the next step (`next_step`). The loop ends with a reply without
calls, or after `max_tool_steps` replies with calls (`ToolStepLimitReached`), or Esc.
Approvals ("always") hold for the conversation: `reset` forgets them.
"""

from __future__ import annotations

from collections.abc import Callable
from enum import StrEnum
from itertools import count
from typing import Any

from qwen_tui.chat.messages import FinishReason, Message, ToolCallRecord
from qwen_tui.chat.parts import TextDelta
from qwen_tui.conversation.tool_replies import StreamedText, with_calls
from qwen_tui.conversation.tool_round import ToolRound
from qwen_tui.conversation.tool_runner import ToolFinished, ToolRunner, ToolSummary
from qwen_tui.conversation.updates import ToolLoopStopped, ToolStepLimitReached, Update
from qwen_tui.tool_settings import ToolSettings
from qwen_tui.tools.approval import Answer, ApprovalPolicy

CANCELLED = "Stopped while its tool calls ran or waited."


class ToolActivity(StrEnum):
    """What the tool calls of the last reply are doing, as a front-end shows it."""

    NONE = "none"
    """No call is under way."""
    RUNNING = "running"
    """A call runs (quitting or Esc cancels it)."""
    ASKING = "asking"
    """A call waits for the user's approval."""


class ToolLoop:
    """`keep` takes each tool result message; `offer` the tools offered when they change
    (for the session); `out` each update; `next_step(step)` sends
    the model step `step` once the calls before it have their results."""

    def __init__(
        self,
        runner: ToolRunner | None,
        settings: ToolSettings,
        *,
        keep: Callable[[Message], None],
        offer: Callable[[tuple[dict[str, Any], ...]], None],
        out: Callable[[Update], None],
        next_step: Callable[[int], None],
    ) -> None:
        self.runner = runner
        self.settings = settings
        self._keep, self._offer, self._out, self._next_step = keep, offer, out, next_step
        self._last_offered: tuple[dict[str, Any], ...] = ()
        self.policy = ApprovalPolicy(settings.allow)
        self.round: ToolRound | None = None
        self._call_ids = count(1)
        self._streamed: StreamedText | None = None
        self._offered = False

    @property
    def busy(self) -> bool:
        """Calls of the last reply are running or waiting for the user."""
        return self.round is not None

    @property
    def activity(self) -> ToolActivity:
        if self.round is None:
            return ToolActivity.NONE
        return ToolActivity.ASKING if self.round.asking else ToolActivity.RUNNING

    def summary(self) -> ToolSummary:
        return self.runner.summary() if self.runner is not None else ToolSummary()

    def specs(self) -> tuple[dict[str, Any], ...]:
        """The tools the next request offers, as they are now (for counting its prompt)."""
        return self.runner.specs() if self.runner is not None else ()

    def offered(self) -> tuple[dict[str, Any], ...]:
        """The tools for the next request (recorded for the session when they change)."""
        specs = self.specs()
        if specs and specs != self._last_offered:
            self._last_offered = specs
            self._offer(specs)
        return specs

    def begin(self, tools: tuple[dict[str, Any], ...]) -> None:
        """A request went out offering `tools`: its reply's calls are parsed if any were."""
        self._streamed = StreamedText() if tools else None
        self._offered = bool(tools)

    def shown(self, delta: TextDelta) -> list[TextDelta | ToolCallRecord]:
        """What of `delta` the user sees now, no call blocks, and the calls it closed."""
        return [delta] if self._streamed is None else self._streamed.feed(delta)

    def held(self) -> list[TextDelta]:
        """Text held back at the end of the reply."""
        streamed, self._streamed = self._streamed, None
        return [] if streamed is None else streamed.finish()

    def reply(self, message: Message) -> Message:
        """The reply as the conversation keeps it: its calls apart from its text."""
        offered, self._offered = self._offered, False
        return with_calls(message) if offered else message

    def goes_on(self, step: int, message: Message) -> bool:
        """Whether `message`, the reply of `step`, has calls the loop runs next."""
        if not message.tool_calls or message.finish_reason is not FinishReason.STOP:
            return False
        return step < self.settings.max_tool_steps

    def after_reply(self, step: int, message: Message) -> None:
        """Start the calls of `message` (the TurnEnded update went out first), or tell the
        user the step limit stopped the loop."""
        if not message.tool_calls or message.finish_reason is not FinishReason.STOP:
            return
        if not self.goes_on(step, message):
            self._out(ToolStepLimitReached(self.settings.max_tool_steps))
            return
        assert self.runner is not None  # calls are parsed only when tools were offered
        calls, runner = message.tool_calls, self.runner
        self.round = ToolRound(
            step, calls, runner, self.policy, self._call_ids, self._keep, self._out
        )
        self.round.advance()
        self._check_done()

    def answer(self, answer: Answer) -> None:
        if self.round is not None:
            self.round.answered(answer)
            self._check_done()

    def finished(self, event: ToolFinished) -> None:
        if self.round is not None and self.round.finished(event):
            self._check_done()

    def cancel(self) -> bool:
        """Esc: stop the round under way; True if there was one."""
        round_, self.round = self.round, None
        if round_ is None:
            return False
        round_.cancel()
        self._out(ToolLoopStopped(CANCELLED))
        return True

    def reset(self) -> None:
        """A new conversation: approvals start again."""
        self.cancel()
        self.policy = ApprovalPolicy(self.settings.allow)
        self._last_offered = ()

    def _check_done(self) -> None:
        round_ = self.round
        if round_ is not None and round_.done:
            self.round = None
            self._next_step(round_.step + 1)
