"""`ForkOrigin`: where a conversation was forked from, when a past message of another one
was edited and sent (the E key on a message in the chat).

A fork is a conversation of its own: the history before the edited message, copied, then
the edited message and what follows. The conversation it came from is left as it was.
"""

from __future__ import annotations

from dataclasses import dataclass

FORK_MARK = "⑂"


@dataclass(frozen=True)
class ForkOrigin:
    """The session a fork was made from and the number of its user message that was
    edited (counting from 1, as the chat shows them)."""

    session_id: str | None
    """None when the conversation forked was not saved."""
    message: int

    def describe(self) -> str:
        """One line for the top of the forked conversation, its listing and its export:
        `⑂ Forked from session 250314-0930-k3f9 at message 2`."""
        if self.session_id is None:
            return f"{FORK_MARK} Forked from an unsaved conversation at message {self.message}"
        return f"{FORK_MARK} Forked from session {self.session_id} at message {self.message}"
