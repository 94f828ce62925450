"""Which tool calls run without asking: the user's answers and the config's `allow`.

Every call needs the user's approval unless its tool is allowed for good (config
`[tools] allow`), was allowed "always" earlier in this conversation, or the front-end
runs with `--yes`. A front-end that cannot ask (`run`) treats "ask" as "deny". A denial
goes back to the model as the call's result, in words it can act on.
"""

from __future__ import annotations

from collections.abc import Iterable
from enum import StrEnum

from qwen_tui.tools.results import ToolResult


class Decision(StrEnum):
    """What to do with a call before it runs."""

    RUN = "run"
    ASK = "ask"


class Answer(StrEnum):
    """The user's answer when asked about a call."""

    ONCE = "once"
    ALWAYS = "always"
    DENY = "deny"


DENIED_TEXT = "The user denied this tool call. Do not call it again unless the user asks."


class ApprovalPolicy:
    """One conversation's approvals; `allowed` are `server.tool` names that never ask."""

    def __init__(self, allowed: Iterable[str] = (), *, assume_yes: bool = False) -> None:
        self._allowed = set(allowed)
        self.assume_yes = assume_yes
        """Run every call without asking (`run --yes`)."""

    def decide(self, tool: str) -> Decision:
        """Run `tool` now, or ask the user first."""
        return Decision.RUN if self.assume_yes or tool in self._allowed else Decision.ASK

    def answered(self, tool: str, answer: Answer) -> bool:
        """Take the user's answer; True when the call may run. "Always" holds for the rest
        of this conversation."""
        if answer is Answer.ALWAYS:
            self._allowed.add(tool)
        return answer is not Answer.DENY


def denied_result() -> ToolResult:
    """What the model reads for a call the user (or `run` without `--yes`) denied."""
    return ToolResult(DENIED_TEXT, is_error=True, full_chars=len(DENIED_TEXT))
