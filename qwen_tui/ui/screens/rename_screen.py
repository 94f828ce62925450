"""Asks for a session's new title, starting from the one it has."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Static

from qwen_tui.chat.terminal_text import visible_controls


class RenameScreen(ModalScreen[str | None]):
    """Enter closes with the new title (spaces tidied); Esc closes with None. An empty
    title is refused with a notice and the dialog stays."""

    BINDINGS = [Binding("escape", "dismiss(None)", "Cancel", show=False)]

    def __init__(self, title: str) -> None:
        super().__init__()
        # The input shows (and so saves) the title's control characters as marks.
        self.current_title = visible_controls(title)

    def compose(self) -> ComposeResult:
        with Vertical(id="rename-dialog"):
            yield Static("Rename the session", classes="dialog-title")
            yield Input(self.current_title, placeholder="New title", id="rename-input")
            yield Static("Enter renames · Esc cancels", classes="dialog-hint")

    def on_input_changed(self, event: Input.Changed) -> None:
        # Pasted text too: what the input shows (and saves) has its controls as marks.
        safe = visible_controls(event.value)
        if safe != event.value:
            event.input.value = safe

    def on_input_submitted(self, event: Input.Submitted) -> None:
        title = " ".join(event.value.split())
        if not title:
            self.notify("A title cannot be empty.", severity="warning")
            return
        self.dismiss(title)
