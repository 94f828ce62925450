"""One step of the tool loop: the calls of one model reply, each run, denied or refused.

A malformed block never reaches a server: its error is its result. A call the policy
says to ask about goes to `ask` (the front-end's question to the user; `run` answers
"deny"). Results come back in the order of the calls, as the `tool` messages the model
reads next.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from qwen_tui.tools.approval import Answer, ApprovalPolicy, Decision, denied_result
from qwen_tui.tools.calls import ParsedCall, ToolCall
from qwen_tui.tools.messages import tool_message
from qwen_tui.tools.results import ToolResult, error_result


class CallsTools(Protocol):
    """What runs a call: the `ToolHub`."""

    def call(self, name: str, arguments: dict[str, Any]) -> ToolResult: ...


@dataclass(frozen=True)
class ToolStep:
    """A call and what came of it; `ran` is False for malformed and denied calls."""

    call: ParsedCall
    result: ToolResult
    ran: bool


def run_calls(
    calls: Sequence[ParsedCall],
    tools: CallsTools,
    policy: ApprovalPolicy,
    ask: Callable[[ToolCall], Answer],
) -> list[ToolStep]:
    """Each of `calls` handled in order."""
    steps: list[ToolStep] = []
    for call in calls:
        if not isinstance(call, ToolCall):
            steps.append(ToolStep(call, error_result(call.error), ran=False))
        elif policy.decide(call.name) is Decision.RUN or policy.answered(call.name, ask(call)):
            steps.append(ToolStep(call, tools.call(call.name, call.arguments), ran=True))
        else:
            steps.append(ToolStep(call, denied_result(), ran=False))
    return steps


def result_messages(steps: Sequence[ToolStep]) -> list[dict[str, str]]:
    """The `tool` messages that carry the steps' results back to the model."""
    return [tool_message(step.result.text) for step in steps]
