"""Asks the user whether a tool call the model wrote may run."""

from __future__ import annotations

import json
from typing import Any

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Button, Static
from textual.widgets.button import ButtonVariant

from qwen_tui.chat.terminal_text import visible_controls
from qwen_tui.tools.approval import Answer

_BUTTONS: tuple[tuple[Answer, str, ButtonVariant], ...] = (
    (Answer.DENY, "Deny [N]", "primary"),
    (Answer.ONCE, "Allow once [Y]", "warning"),
    (Answer.ALWAYS, "Allow always [A]", "warning"),
)
HINT = (
    "Always: this tool runs without asking for the rest of this conversation. "
    "Esc denies; the model reads that you did."
)


class ToolApprovalScreen(ModalScreen[Answer]):
    """Shows the tool's name and its arguments; closes with the user's `Answer`. Y allows
    this call, A every call of this tool for the rest of the conversation, N or Esc
    denies it (the model is told). Deny has the focus, so Enter alone runs nothing."""

    BINDINGS = [
        Binding("y", "answer('once')", show=False),
        Binding("a", "answer('always')", show=False),
        Binding("n,escape", "answer('deny')", show=False),
    ]

    def __init__(self, name: str, arguments: dict[str, Any] | None, description: str = "") -> None:
        """`description` is the tool's own, as its server gives it (its first line shows)."""
        super().__init__()
        self.tool_name = name
        self.arguments = arguments
        self.description = description.strip().splitlines()[0] if description.strip() else ""

    def compose(self) -> ComposeResult:
        # The name and the arguments are the model's: shown with their controls as marks.
        with Vertical(id="tool-approval-dialog"):
            yield Static("The model wants to run a tool", classes="dialog-title")
            yield Static(visible_controls(self.tool_name), id="tool-approval-name", markup=False)
            if self.description:
                yield Static(
                    visible_controls(self.description), classes="dialog-hint-text", markup=False
                )
            with VerticalScroll(id="tool-approval-arguments"):
                yield Static(visible_controls(self._arguments_text()), markup=False)
            yield Static(HINT, classes="dialog-hint-text")
            with Horizontal(classes="dialog-buttons"):
                # Content, not a str: "[Y]" would be read as markup and vanish.
                for answer, label, variant in _BUTTONS:
                    yield Button(Content(label), id=f"tool-{answer}", variant=variant)

    def on_mount(self) -> None:
        self.query_one(f"#tool-{Answer.DENY}").focus()

    def _arguments_text(self) -> str:
        if not self.arguments:
            return "(no arguments)"
        return json.dumps(self.arguments, ensure_ascii=False, indent=2)

    def on_button_pressed(self, event: Button.Pressed) -> None:
        self.action_answer((event.button.id or "").removeprefix("tool-"))

    def action_answer(self, name: str) -> None:
        """Close with the answer called `name`."""
        self.dismiss(Answer(name))
