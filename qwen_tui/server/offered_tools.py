"""`OfferedTools`: the tools a request offers, as the conversation core's tool runner.

The core offers them to the model and parses the calls of its reply; the calls go back to
the client, which runs them and sends their results in its next request. Served turns
take no second step (`max_tool_steps` 0), so nothing here ever runs a call.
"""

from __future__ import annotations

from typing import Any

from qwen_tui.conversation.tool_runner import ToolSummary
from qwen_tui.tools.calls import ToolCall


class OfferedTools:
    """A `ToolRunner` holding the request's function specs (the template's `tools`)."""

    asks = False

    def __init__(self, specs: tuple[dict[str, Any], ...]) -> None:
        self._specs = specs
        self._names = {str(spec.get("function", {}).get("name", "")) for spec in specs}

    def specs(self) -> tuple[dict[str, Any], ...]:
        return self._specs

    def knows(self, name: str) -> bool:
        return name in self._names

    def start(self, call_id: int, call: ToolCall) -> None:
        raise RuntimeError("qwen-chat serve returns tool calls to the client; it runs none")

    def cancel(self) -> None:
        """Nothing runs here to cancel."""

    def summary(self) -> ToolSummary:
        return ToolSummary()
