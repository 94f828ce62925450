"""`ToolRunner`: what runs the model's tool calls for a `ConversationCore`.

The core is single-threaded and never blocks: it asks the runner to `start` a call, and the
runner, on a worker thread, posts one `ToolFinished` to the same sink the engine posts its
events to; the front-end passes it to `ConversationCore.handle` like an engine event.
`HubToolRunner` (`hub_runner.py`) runs calls on MCP servers; `RecordedToolRunner`
(`recorded_tools.py`) answers with a session's recorded results.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

from qwen_tui.engine.events import EngineEvent
from qwen_tui.tools.calls import ToolCall
from qwen_tui.tools.results import ToolResult
from qwen_tui.tools.server_tools import McpTool, ServerFailure


@dataclass(frozen=True)
class ToolFinished:
    """The call the core started as `call_id` has its `result` (an error result when it
    failed, timed out or was cancelled)."""

    call_id: int
    result: ToolResult
    ran: bool = True
    """False for a recorded result of a call that never ran (denied, refused)."""


CoreEvent = EngineEvent | ToolFinished
"""What a front-end passes to `ConversationCore.handle`."""
ToolSink = Callable[[ToolFinished], None]


@dataclass(frozen=True)
class ToolSummary:
    """The tools on offer, for the status bar and `/tools`: every running server's tools,
    the servers that run, and the ones that failed to start (and why)."""

    tools: tuple[McpTool, ...] = ()
    servers: tuple[str, ...] = ()
    failures: tuple[ServerFailure, ...] = ()


class ToolRunner(Protocol):
    """Runs calls off the core's thread; every method returns at once."""

    asks: bool
    """Whether calls need the user's approval; False where nothing really runs (recorded
    results played back)."""

    def specs(self) -> tuple[dict[str, Any], ...]:
        """The tools offered to the model now (the template's `tools`, OpenAI shape)."""
        ...

    def knows(self, name: str) -> bool:
        """Whether `name` (`server.tool`) is a tool on offer."""
        ...

    def start(self, call_id: int, call: ToolCall) -> None:
        """Run `call`; post `ToolFinished(call_id, ...)` when it is done."""
        ...

    def cancel(self) -> None:
        """Stop the call in flight (Esc); its `ToolFinished` still comes, cancelled."""
        ...

    def summary(self) -> ToolSummary:
        """The tools and servers on offer."""
        ...
