"""The scrolling list of turns, kept pinned to the newest text while it streams."""

from __future__ import annotations

from textual.containers import VerticalScroll
from textual.widgets import Static

from qwen_tui.chat.messages import Conversation, Message, Role
from qwen_tui.ui.widgets.assistant_turn import AssistantTurn
from qwen_tui.ui.widgets.user_turn import UserTurn

EMPTY_HINT = (
    "Ask anything.  Enter sends · Ctrl+J new line · Ctrl+T thinking on/off · "
    "/no_think in a message skips thinking for that turn · F1 help"
)


class ConversationView(VerticalScroll):
    """User and assistant turns, oldest first."""

    def compose(self):
        yield Static(EMPTY_HINT, classes="empty-hint", markup=False)

    async def show_conversation(self, conversation: Conversation) -> None:
        """Replace everything shown with `conversation` (e.g. a resumed session)."""
        await self.remove_children(UserTurn)
        await self.remove_children(AssistantTurn)
        turns = [_turn_for(m) for m in conversation.messages if m.role is not Role.SYSTEM]
        if turns:
            await self.mount_all(turns)
        self._show_hint()
        self.scroll_end(animate=False)
        self.anchor()

    async def add_user(self, text: str) -> UserTurn:
        """Show a message the user sent."""
        turn = UserTurn(text)
        await self.mount(turn)
        self._show_hint()
        self.anchor()
        return turn

    async def add_assistant(self, expect_thinking: bool) -> AssistantTurn:
        """Start a live assistant turn."""
        turn = AssistantTurn(expect_thinking=expect_thinking)
        await self.mount(turn)
        self.anchor()
        return turn

    def assistant_turns(self) -> list[AssistantTurn]:
        return list(self.query_children(AssistantTurn))

    def _show_hint(self) -> None:
        self.query_one(".empty-hint").display = not self.query_children("UserTurn, AssistantTurn")


def _turn_for(message: Message) -> UserTurn | AssistantTurn:
    if message.role is Role.USER:
        return UserTurn(message.content)
    return AssistantTurn(message)
