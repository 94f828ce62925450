"""One user message in the conversation view."""

from __future__ import annotations

from textual.binding import Binding
from textual.message import Message as TextualMessage
from textual.widgets import Static

from qwen_tui.chat.terminal_text import visible_controls


class UserTurn(Static, can_focus=True):
    """The text as typed (soft switches included, control characters shown as marks);
    `c` copies it, `e` edits it to send it again as a fork of the conversation."""

    BINDINGS = [
        Binding("c,y", "copy", "Copy", show=False),
        Binding("e", "edit", "Edit and fork", show=False),
    ]

    class EditRequested(TextualMessage):
        """The user wants to edit this message (`turn`), its text back in the input."""

        def __init__(self, turn: UserTurn, text: str) -> None:
            super().__init__()
            self.turn = turn
            self.text = text

    def __init__(self, text: str) -> None:
        super().__init__(visible_controls(text), markup=False)
        self.text = text

    def action_copy(self) -> None:
        """Copy this message to the clipboard."""
        self.app.copy_to_clipboard(self.text)
        self.notify(f"Copied your message ({len(self.text):,} characters).")

    def action_edit(self) -> None:
        """Edit this message in the input."""
        self.post_message(self.EditRequested(self, self.text))
