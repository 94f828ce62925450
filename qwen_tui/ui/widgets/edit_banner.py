"""The line above the input while a past message is edited: which one, and what Enter
and Esc do."""

from __future__ import annotations

from textual.widgets import Static

EDITING = (
    "✎ Editing message {number} · Enter sends it as a new session (⑂ a fork; this one "
    "stays as it is) · Esc cancels"
)


class EditBanner(Static):
    """Hidden until an edit begins."""

    def __init__(self, **kwargs) -> None:
        super().__init__("", markup=False, **kwargs)
        self.display = False

    def show_editing(self, number: int) -> None:
        """Say that user message `number` is being edited."""
        self.update(EDITING.format(number=number))
        self.display = True

    def hide(self) -> None:
        """No edit any more."""
        self.display = False
