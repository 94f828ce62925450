"""`CountAhead`: the draft's prompt counted while the user pauses, before Enter.

On Enter the context budget counts the prompt on the UI thread before the request goes
out: tokenizing a pasted 4k-token prompt there was part of its first token's time. Once
typing pauses for `PAUSE_S`, a thread worker asks the engine to count the prompt the
draft would go out in (`ConversationCore.count_ahead`); the local engine keeps that
rendering, so the count on Enter, and the engine's own rendering after it, find it done.
A draft that changes again only costs a count that nobody reads.
"""

from __future__ import annotations

from textual.screen import Screen
from textual.timer import Timer

from qwen_tui.conversation.core import ConversationCore
from qwen_tui.ui.app_commands import UnknownCommand, parse_command

PAUSE_S = 0.2
"""Typing paused this long: count the draft (a paste, then Enter, takes longer)."""


class CountAhead:
    def __init__(self, screen: Screen, core: ConversationCore) -> None:
        self._screen, self._core = screen, core
        self._timer: Timer | None = None
        self._draft = ""

    def draft_changed(self, draft: str) -> None:
        """The input now holds `draft` (a message being typed, not an edit's)."""
        self._draft = draft
        if self._timer is not None:
            self._timer.stop()
        self._timer = self._screen.set_timer(PAUSE_S, self._count)

    def _count(self) -> None:
        self._timer = None
        try:
            if parse_command(self._draft) is not None:
                return  # an app command: nothing goes to the model
        except UnknownCommand:
            return
        work = self._core.count_ahead(self._draft)
        if work is not None:
            # A count that fails is no one's to show: Enter counts again and says why.
            self._screen.run_worker(work, thread=True, group="count-ahead", exit_on_error=False)
