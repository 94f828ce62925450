"""One tool call of a turn: a one-line header, folded, that opens to show the result.

    ▸ time.get_current_time {"timezone": "Asia/Tokyo"} · 0.2 s

The name, the arguments and the result come from the model and from a tool server, so
every one of them is shown through `visible_controls`.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from enum import StrEnum

from rich.console import RenderableType
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.reactive import reactive
from textual.timer import Timer
from textual.widget import Widget
from textual.widgets import Static

from qwen_tui.chat.messages import Message, ToolCallRecord
from qwen_tui.chat.terminal_text import visible_controls
from qwen_tui.tools.approval import DENIED_TEXT
from qwen_tui.ui.widgets.thinking_pane import duration

ARGUMENTS_IN_HEADER = 200
"""Characters of the arguments the header keeps; the rest is in the opened block."""


class CallOutcome(StrEnum):
    """How a call ended, as its header says."""

    WAITING = "waiting"
    """It waits for the user's approval."""
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"
    """It ran and gave an error (or was malformed, unknown, timed out, cancelled)."""
    DENIED = "denied"
    """The user said no; the model was told so."""


def outcome_of(result: Message) -> CallOutcome:
    """How the call whose result is the tool message `result` ended."""
    if not result.ran and result.content == DENIED_TEXT:
        return CallOutcome.DENIED
    return CallOutcome.FAILED if result.is_error else CallOutcome.DONE


class _Header(Widget):
    """The one-line summary; repaints without a new layout while the call runs."""

    def __init__(self, block: ToolCallBlock) -> None:
        super().__init__(classes="tool-call-header")
        self._block = block

    def render(self) -> RenderableType:
        return Text(self._block.header_text(), no_wrap=True, overflow="ellipsis")


class ToolCallBlock(Vertical, can_focus=True):
    """A call while it runs (a ticking clock), then with its result; Enter or a click
    opens and folds the result, C copies it."""

    BINDINGS = [
        Binding("enter", "open_or_fold", "Open/fold", show=False),
        Binding("c,y", "copy", "Copy result", show=False),
    ]

    expanded: reactive[bool] = reactive(False)

    def __init__(
        self,
        name: str,
        arguments: str,
        *,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        """`arguments` as the model wrote them (JSON text, or a malformed block's raw
        text); the block shows a running call until `finish`."""
        super().__init__(classes="-running")
        self.call_name = name
        self.arguments = arguments
        self.result = ""
        self.outcome = CallOutcome.RUNNING
        self._clock = clock
        self._started = clock()
        self._seconds: float | None = None
        self._ticker: Timer | None = None
        self._header = _Header(self)
        self._body = Static("The call is running…", classes="tool-call-body", markup=False)

    @classmethod
    def for_call(
        cls, call: ToolCallRecord, *, clock: Callable[[], float] = time.monotonic
    ) -> ToolCallBlock:
        """The block of `call`, running (a malformed block shows its raw text)."""
        if call.malformed:
            return cls("malformed tool call", call.raw.strip(), clock=clock)
        return cls(call.name, json.dumps(call.arguments, ensure_ascii=False), clock=clock)

    @classmethod
    def finished(cls, call: ToolCallRecord, result: Message) -> ToolCallBlock:
        """The block of a call of a saved conversation, with its `result` message."""
        block = cls.for_call(call)
        block.finish(result.content, outcome_of(result), result.seconds if result.ran else None)
        return block

    def compose(self) -> ComposeResult:
        yield self._header
        yield self._body

    def on_mount(self) -> None:
        if self.outcome in (CallOutcome.RUNNING, CallOutcome.WAITING):
            self._ticker = self.set_interval(0.1, self._header.refresh)

    def wait_for_answer(self) -> None:
        """The call waits for the user's approval; its clock starts when it runs."""
        self.outcome = CallOutcome.WAITING
        self._header.refresh()

    def run(self) -> None:
        """The user allowed the call: it runs from now on."""
        self.outcome, self._started = CallOutcome.RUNNING, self._clock()
        self._header.refresh()

    def finish(self, result: str, outcome: CallOutcome, seconds: float | None) -> None:
        """The call ended with `result` (the text the model reads) after `seconds` (None
        when it never ran)."""
        if self._ticker is not None:
            self._ticker.stop()
            self._ticker = None
        self.result, self.outcome, self._seconds = result, outcome, seconds
        self.remove_class("-running")
        self.set_class(outcome is CallOutcome.FAILED, "-failed")
        self.set_class(outcome is CallOutcome.DENIED, "-denied")
        self._body.update(self._body_text())
        self._header.refresh()

    def header_text(self) -> str:
        """ "▸ time.get_current_time {"timezone": "UTC"} · 0.2 s", and its other forms."""
        arrow = "▾" if self.expanded else "▸"
        arguments = self.arguments.replace("\n", " ")
        if len(arguments) > ARGUMENTS_IN_HEADER:
            arguments = arguments[: ARGUMENTS_IN_HEADER - 1] + "…"
        call = visible_controls(f"{self.call_name} {arguments}".strip())
        if self.outcome is CallOutcome.WAITING:
            return f"{arrow} {call} · waiting for your approval"
        if self.outcome is CallOutcome.RUNNING:
            return f"{arrow} {call} · running… {duration(self._clock() - self._started)}"
        if self.outcome is CallOutcome.DENIED:
            return f"{arrow} {call} · denied"
        took = f" · {duration(self._seconds)}" if self._seconds is not None else ""
        failed = " · failed" if self.outcome is CallOutcome.FAILED else ""
        return f"{arrow} {call}{took}{failed}"

    def _body_text(self) -> str:
        shown = visible_controls(self.result) if self.result else "(no output)"
        if len(self.arguments) > ARGUMENTS_IN_HEADER:
            return f"arguments: {visible_controls(self.arguments)}\n\n{shown}"
        return shown

    def action_open_or_fold(self) -> None:
        """Open or fold the result."""
        self.expanded = not self.expanded

    def action_copy(self) -> None:
        """Copy the result to the clipboard."""
        self.app.copy_to_clipboard(self.result)
        self.notify(f"Copied the tool's result ({len(self.result):,} characters).")

    def on_click(self) -> None:
        self.action_open_or_fold()

    def watch_expanded(self, expanded: bool) -> None:
        self.set_class(expanded, "-open")
        self._header.refresh()
