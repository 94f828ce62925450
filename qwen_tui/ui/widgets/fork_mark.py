"""The line at the top of a forked conversation: where it was forked from."""

from __future__ import annotations

from textual.widgets import Static

from qwen_tui.chat.fork_origin import ForkOrigin
from qwen_tui.chat.terminal_text import visible_controls


class ForkMark(Static):
    """`⑂ Forked from session 250314-0930-k3f9 at message 2`: the conversation began as
    an edit of that message, and the session it names is still there as it was."""

    def __init__(self, origin: ForkOrigin) -> None:
        # The session id comes from a file: shown with its control characters as marks.
        super().__init__(visible_controls(origin.describe()), markup=False)
        self.origin = origin
