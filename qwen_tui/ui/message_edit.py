"""`MessageEdit`: a past user message being edited in the input (E on the message).

While it lasts the banner above the input says which message, the input has the edited
text, and Enter sends it as a fork of the conversation (`conversation/forking.py`); Esc
cancels, giving back what was typed in the input before. A new or another conversation
shown in the meantime ends the edit and leaves the text where it is.
"""

from __future__ import annotations

from dataclasses import dataclass

from qwen_tui.ui.widgets.edit_banner import EditBanner
from qwen_tui.ui.widgets.prompt_input import PromptInput


@dataclass(frozen=True)
class EditedMessage:
    """The message being edited: its number as shown, and how many of the messages
    shown had left the model's context when the edit began."""

    number: int
    dropped: int
    thinking: bool
    """The mode it runs in without a soft switch of its own (the history before it
    decides), for the line under the input."""


class MessageEdit:
    """The edit in progress, if any, shown by `banner` over `prompt`."""

    def __init__(self, banner: EditBanner, prompt: PromptInput) -> None:
        self.banner = banner
        self.prompt = prompt
        self.editing: EditedMessage | None = None
        self._draft = ""

    @property
    def active(self) -> bool:
        return self.editing is not None

    def begin(self, message: EditedMessage, text: str) -> None:
        """Put `text` in the input to edit it as `message`, keeping the draft it replaces
        (only the first time: a second E keeps the draft of before the first)."""
        if self.editing is None:
            self._draft = self.prompt.text
        self.editing = message
        self.prompt.text = text
        self.prompt.move_cursor(self.prompt.document.end)
        self.prompt.add_class("-editing")
        self.banner.show_editing(message.number)
        self.prompt.focus()
        self._refresh_keys()

    def finish(self) -> EditedMessage | None:
        """The edit is sent: the message edited (None if there was no edit)."""
        editing = self.editing
        self._end()
        return editing

    def cancel(self) -> None:
        """Esc: no edit, and the input holds what it held before."""
        if self.editing is not None:
            self._end()
            self.prompt.text = self._draft
            self.prompt.move_cursor(self.prompt.document.end)

    def drop(self) -> None:
        """Another conversation is shown: the edit ends, its text stays in the input."""
        self._end()

    def _end(self) -> None:
        if self.editing is None:
            return
        self.editing = None
        self.prompt.remove_class("-editing")
        self.banner.hide()
        self._refresh_keys()

    def _refresh_keys(self) -> None:
        """Esc says "Cancel edit" in the footer only while there is one."""
        if self.prompt.is_attached:
            self.prompt.screen.refresh_bindings()
