"""The line under a reply that has other versions: which one it is, "◂ 2/3 ▸"."""

from __future__ import annotations

from textual.widgets import Static


class ReplyChoice(Static):
    """Hidden while the reply is its user message's only one; ← and → on the reply show
    its others (the turn's keys, `AssistantTurn`)."""

    def __init__(self) -> None:
        super().__init__("", classes="reply-choice", markup=False)
        self.display = False

    def show(self, number: int, count: int) -> None:
        """The reply is `number` of `count` (from 1)."""
        self.update(f"◂ {number}/{count} ▸")
        self.display = count > 1
