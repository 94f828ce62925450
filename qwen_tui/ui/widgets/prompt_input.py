"""The message box: Enter sends, Shift+Enter or Ctrl+J adds a line, Up/Down recall."""

from __future__ import annotations

from collections.abc import Iterable

from textual import events
from textual.message import Message
from textual.widgets import TextArea

from qwen_tui.chat.terminal_text import visible_controls


class PromptInput(TextArea):
    """A multi-line input with prompt history.

    Up on the first visual line and Down on the last one walk through earlier prompts;
    the text being typed is kept and comes back after the newest one.

    Text put in from elsewhere (a recalled prompt of a saved session, a message edited
    again, a paste) has its control characters shown as marks: the box shows, and so
    sends, only what can be seen.
    """

    class Submitted(Message):
        """The user pressed Enter on a non-empty input."""

        def __init__(self, text: str) -> None:
            super().__init__()
            self.text = text

    def __init__(self, history: list[str] | None = None, **kwargs) -> None:
        super().__init__(soft_wrap=True, show_line_numbers=False, **kwargs)
        self.prompt_history: list[str] = list(history or [])
        self._history_index: int | None = None  # None: editing the draft
        self._draft = ""

    def replace_history(self, prompts: Iterable[str]) -> None:
        """Recall `prompts` (oldest first) instead, e.g. those of a conversation just opened."""
        self.prompt_history = list(prompts)
        self._history_index = None
        self._draft = ""

    def remember(self, text: str) -> None:
        """Add a sent prompt to the history (no repeats in a row)."""
        if not self.prompt_history or self.prompt_history[-1] != text:
            self.prompt_history.append(text)
        self._history_index = None

    async def _on_key(self, event: events.Key) -> None:
        if event.key == "enter":
            event.stop()
            event.prevent_default()
            if self.text.strip():
                self.post_message(self.Submitted(self.text))
            return
        if event.key in ("shift+enter", "ctrl+j"):
            event.stop()
            event.prevent_default()
            self.insert("\n")
            return
        await super()._on_key(event)

    def load_text(self, text: str) -> None:
        super().load_text(visible_controls(text))

    async def _on_paste(self, event: events.Paste) -> None:
        # Runs before TextArea's own paste handler, which inserts `event.text`.
        event.text = visible_controls(event.text)

    def action_cursor_up(self, select: bool = False) -> None:
        if select or not self.navigator.is_first_wrapped_line(self.cursor_location):
            super().action_cursor_up(select)
        elif self.prompt_history and self._history_index != 0:
            if self._history_index is None:
                self._draft = self.text
                self._history_index = len(self.prompt_history)
            self._history_index -= 1
            self._show(self.prompt_history[self._history_index], at_end=False)

    def action_cursor_down(self, select: bool = False) -> None:
        if select or not self.navigator.is_last_wrapped_line(self.cursor_location):
            super().action_cursor_down(select)
        elif self._history_index is not None:
            self._history_index += 1
            if self._history_index >= len(self.prompt_history):
                self._history_index = None
                self._show(self._draft, at_end=True)
            else:
                self._show(self.prompt_history[self._history_index], at_end=True)

    def _show(self, text: str, at_end: bool) -> None:
        self.text = text
        self.move_cursor(self.document.end if at_end else (0, 0))
