"""A yes/no question over the current screen, e.g. before a session is deleted."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Button, Static

from qwen_tui.chat.terminal_text import visible_controls


class ConfirmScreen(ModalScreen[bool]):
    """Closes with True for Y or the yes button, False for N, Esc or the other button.
    The safe answer has the focus, so Enter alone never destroys anything."""

    BINDINGS = [
        Binding("y", "answer(True)", show=False),
        Binding("n,escape", "answer(False)", show=False),
    ]

    def __init__(self, title: str, question: str, *, yes: str, no: str = "Keep") -> None:
        super().__init__()
        # A question may quote a session's title: shown with its control characters as marks.
        self.title_text, self.question = visible_controls(title), visible_controls(question)
        self.yes_label, self.no_label = yes, no

    def compose(self) -> ComposeResult:
        with Vertical(id="confirm-dialog"):
            yield Static(self.title_text, classes="dialog-title", markup=False)
            yield Static(self.question, markup=False)
            with Horizontal(classes="dialog-buttons"):
                # Content, not a str: "[N]" would be read as markup and vanish.
                yield Button(Content(f"{self.no_label} [N]"), id="confirm-no", variant="primary")
                yield Button(Content(f"{self.yes_label} [Y]"), id="confirm-yes", variant="error")

    def on_mount(self) -> None:
        self.query_one("#confirm-no").focus()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        self.dismiss(event.button.id == "confirm-yes")

    def action_answer(self, yes: bool) -> None:
        self.dismiss(yes)
