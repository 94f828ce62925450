"""Notifications as plain, harmless text, for every screen and widget of the app.

A notification often quotes something: a session's title, a file's name, an engine's
error about a model file. Every `notify` in Textual ends in `App.notify`, so overriding it
there covers them all: control characters show as marks, and brackets stay brackets (a
title like `[@click=app.quit]` is never read as markup that acts when clicked).
"""

from __future__ import annotations

from textual.app import App
from textual.notifications import SeverityLevel

from qwen_tui.chat.terminal_text import visible_controls


class PlainTextNotifications(App[None]):
    """An App whose notifications are plain text with visible control marks."""

    def notify(
        self,
        message: str,
        *,
        title: str = "",
        severity: SeverityLevel = "information",
        timeout: float | None = None,
        markup: bool = True,
    ) -> None:
        """Show `message` (and `title`) as plain text; `markup` is ignored on purpose."""
        super().notify(
            visible_controls(message),
            title=visible_controls(title),
            severity=severity,
            timeout=timeout,
            markup=False,
        )
