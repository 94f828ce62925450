"""`HubToolRunner`: a `ToolRunner` over a started `ToolHub`, each call on its own thread.

The hub's `call` blocks until the MCP server answers, times out or is cancelled, and
always returns a result; the thread only posts it. The hub is started and closed by the
front-end that owns it (servers take seconds to start, and outlive one conversation).
"""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING, Any

from qwen_tui.conversation.tool_runner import ToolFinished, ToolSink, ToolSummary
from qwen_tui.tools.calls import ToolCall

if TYPE_CHECKING:  # the hub imports the MCP SDK: only where servers are configured
    from qwen_tui.tools.hub import ToolHub


class HubToolRunner:
    """Runs calls on `hub`'s servers; posts each `ToolFinished` to `sink` (which a
    front-end may set after construction, before the first call: the UI's event bridge
    exists only once its screen is up)."""

    asks = True

    def __init__(self, hub: ToolHub, sink: ToolSink) -> None:
        self.hub = hub
        self.sink = sink
        self._cancelled = threading.Event()

    def specs(self) -> tuple[dict[str, Any], ...]:
        return tuple(self.hub.tool_specs())

    def knows(self, name: str) -> bool:
        return any(tool.qualified_name == name for tool in self.hub.tools)

    def start(self, call_id: int, call: ToolCall) -> None:
        cancelled = self._cancelled = threading.Event()

        def run() -> None:
            result = self.hub.call(call.name, call.arguments, cancelled)
            self.sink(ToolFinished(call_id, result))

        threading.Thread(target=run, name=f"tool-call-{call_id}", daemon=True).start()

    def cancel(self) -> None:
        self._cancelled.set()  # before the hub has the call in flight, it cancels it then
        self.hub.cancel()

    def summary(self) -> ToolSummary:
        return ToolSummary(self.hub.tools, self.hub.running, self.hub.failures)
