"""`RecordedToolRunner`: a `ToolRunner` that answers each call with a session's recorded
result, for `replay --recorded-tools` and `play`: nothing runs, so nothing is asked.

A call gets the first unused recorded result of the same tool with the same arguments,
else of the same tool (a replayed model may ask a little differently), else an error
result saying none was recorded. With a `speed`, each result comes after its recorded
duration divided by it (`play` shows calls as they happened); without, at once.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from qwen_tui.chat.messages import Message, Role, ToolCallRecord
from qwen_tui.conversation.tool_runner import ToolFinished, ToolSink, ToolSummary
from qwen_tui.tools.calls import ToolCall
from qwen_tui.tools.messages import function_spec
from qwen_tui.tools.results import ToolResult, error_result
from qwen_tui.tools.server_tools import McpTool


@dataclass(frozen=True)
class RecordedCall:
    """A call a session recorded, and its result (a `Role.TOOL` message)."""

    call: ToolCallRecord
    result: Message


def recorded_calls(messages: Sequence[Message]) -> list[RecordedCall]:
    """Each well-formed call of `messages` with the tool message that answered it (the
    results follow their reply, in the order of its calls)."""
    pairs: list[RecordedCall] = []
    waiting: list[ToolCallRecord] = []
    for message in messages:
        if message.role is Role.TOOL and waiting:
            call = waiting.pop(0)
            if call.arguments is not None:
                pairs.append(RecordedCall(call, message))
        else:
            waiting = list(message.tool_calls)
    return pairs


class RecordedToolRunner:
    """Answers calls from `recorded`, offering `specs` (the session's recorded tools; if
    it recorded none, bare ones named after the recorded calls). `sink` may be set after
    construction, before the first call, as for `HubToolRunner`."""

    asks = False

    def __init__(
        self,
        recorded: Sequence[RecordedCall],
        specs: Sequence[dict[str, Any]],
        sink: ToolSink,
        *,
        speed: float | None = None,
    ) -> None:
        self._unused = list(recorded)
        names = dict.fromkeys(r.call.name for r in recorded)
        bare = [function_spec(name, "", {"type": "object", "properties": {}}) for name in names]
        self._specs = tuple(specs) or tuple(bare)
        self.sink = sink
        self.speed = speed
        self._timer: threading.Timer | None = None

    def specs(self) -> tuple[dict[str, Any], ...]:
        return self._specs

    def knows(self, name: str) -> bool:
        return any(_name(spec) == name for spec in self._specs)

    def start(self, call_id: int, call: ToolCall) -> None:
        found = self._take(call)
        if found is None:
            finished = ToolFinished(call_id, error_result(f"no recorded result for {call.name}"))
        else:
            result = found.result
            text = ToolResult(result.content, result.is_error, result.seconds, len(result.content))
            finished = ToolFinished(call_id, text, ran=result.ran)
        delay = 0.0 if self.speed is None or found is None else found.result.seconds / self.speed
        self._timer = threading.Timer(delay, self.sink, (finished,))
        self._timer.daemon = True
        self._timer.start()

    def cancel(self) -> None:
        if self._timer is not None:
            self._timer.cancel()

    def summary(self) -> ToolSummary:
        tools = tuple(_tool(spec) for spec in self._specs)
        return ToolSummary(tools, tuple(dict.fromkeys(t.server for t in tools)))

    def _take(self, call: ToolCall) -> RecordedCall | None:
        same_name = [r for r in self._unused if r.call.name == call.name]
        exact = [r for r in same_name if r.call.arguments == call.arguments]
        found = next(iter(exact or same_name), None)
        if found is not None:
            self._unused.remove(found)
        return found


def _name(spec: dict[str, Any]) -> str:
    return str(spec.get("function", spec).get("name", ""))


def _tool(spec: dict[str, Any]) -> McpTool:
    function = spec.get("function", spec)
    server, _, name = _name(spec).rpartition(".")
    schema = function.get("parameters") or {}
    return McpTool(server, name, str(function.get("description", "")), dict(schema))
