"""`Outbox`: the updates a `ConversationCore` call collects, handed over in order when it
returns (every public method of the core returns `_take()`)."""

from __future__ import annotations

from qwen_tui.conversation.updates import Notice, Severity, Update


class Outbox:
    def __init__(self) -> None:
        self._outbox: list[Update] = []

    def _post(self, update: Update) -> None:
        self._outbox.append(update)

    def _notice(self, text: str, severity: Severity = Severity.INFO, title: str = "") -> None:
        self._post(Notice(text, severity, title))

    def _take(self) -> list[Update]:
        updates, self._outbox = self._outbox, []
        return updates
