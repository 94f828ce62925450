"""`ToolRound`: the tool calls of one model reply, handled one at a time, in order.

Each call's block appears (`ToolCallStarted`), then the call is refused (a malformed
block, an unknown tool), asked about (`ToolApprovalNeeded`, answered through
`ConversationCore.answer_tool`), denied, or run by the `ToolRunner`; whatever happens,
it ends with a `Role.TOOL` message (`ToolCallEnded`) that goes back to the model. When
every call has its result the core sends the next model step.
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass

from qwen_tui.chat.messages import Message, Role, ToolCallRecord
from qwen_tui.conversation.tool_runner import ToolFinished, ToolRunner
from qwen_tui.conversation.updates import (
    ToolApprovalNeeded,
    ToolCallEnded,
    ToolCallStarted,
    Update,
)
from qwen_tui.tools.approval import Answer, ApprovalPolicy, Decision, denied_result
from qwen_tui.tools.calls import ToolCall
from qwen_tui.tools.results import ToolResult, error_result


@dataclass(frozen=True)
class RunningCall:
    call_id: int
    call: ToolCallRecord
    started: float


class ToolRound:
    """The calls of the reply of step `step`. `keep` takes each result message (the core
    adds it to the conversation and the session); `out` gets the updates."""

    def __init__(
        self,
        step: int,
        calls: Sequence[ToolCallRecord],
        runner: ToolRunner,
        policy: ApprovalPolicy,
        call_ids: Iterator[int],
        keep: Callable[[Message], None],
        out: Callable[[Update], None],
    ) -> None:
        self.step = step
        self._todo = deque(calls)
        self._runner = runner
        self._policy = policy
        self._call_ids = call_ids
        self._keep = keep
        self._out = out
        self.running: RunningCall | None = None
        self.asking: ToolCallRecord | None = None

    @property
    def done(self) -> bool:
        """Every call has its result."""
        return not self._todo and self.running is None and self.asking is None

    def advance(self) -> None:
        """Handle calls until one runs, one waits for the user, or none is left."""
        while self._todo and self.running is None and self.asking is None:
            call = self._todo.popleft()
            self._out(ToolCallStarted(call))
            if call.arguments is None:
                self._end(call, error_result(call.error), ran=False)
            elif not self._runner.knows(call.name):
                self._end(call, error_result(self._unknown(call.name)), ran=False)
            elif not self._runner.asks or self._policy.decide(call.name) is Decision.RUN:
                self._run(call)
            else:
                self.asking = call
                self._out(ToolApprovalNeeded(call))

    def answered(self, answer: Answer) -> None:
        """The user's answer about the call asked about."""
        call, self.asking = self.asking, None
        if call is None:
            return
        if self._policy.answered(call.name, answer):
            self._run(call)
        else:
            self._end(call, denied_result(), ran=False)
        self.advance()

    def finished(self, event: ToolFinished) -> bool:
        """The runner's result; False when it is not this round's running call (one
        cancelled before)."""
        running = self.running
        if running is None or running.call_id != event.call_id:
            return False
        self.running = None
        self._end(running.call, event.result, ran=event.ran)
        self.advance()
        return True

    def cancel(self) -> None:
        """Esc: the running call is cancelled (its result says so); the rest never run."""
        running, self.running = self.running, None
        self._todo.clear()
        self.asking = None
        if running is not None:
            self._runner.cancel()
            seconds = time.monotonic() - running.started
            cancelled = error_result(f"{running.call.name} was cancelled by the user", seconds)
            self._end(running.call, cancelled, ran=True)

    def _run(self, call: ToolCallRecord) -> None:
        assert call.arguments is not None
        call_id = next(self._call_ids)
        self.running = RunningCall(call_id, call, time.monotonic())
        self._runner.start(call_id, ToolCall(call.name, call.arguments))

    def _end(self, call: ToolCallRecord, result: ToolResult, ran: bool) -> None:
        message = Message(
            Role.TOOL,
            result.text,
            tool_name=call.name,
            is_error=result.is_error,
            ran=ran,
            seconds=result.seconds,
        )
        self._keep(message)
        self._out(ToolCallEnded(call, message, result.seconds))

    def _unknown(self, name: str) -> str:
        known = ", ".join(sorted(s["function"]["name"] for s in self._runner.specs())) or "none"
        return f"there is no tool {name!r}; the tools are: {known}"
