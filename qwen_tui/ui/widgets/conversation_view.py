"""The scrolling list of turns, kept pinned to the newest text while it streams."""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence

from textual.containers import VerticalScroll
from textual.widget import Widget
from textual.widgets import Static

from qwen_tui.chat.alternatives import reply_count
from qwen_tui.chat.messages import Conversation, Message, Role, ToolCallRecord
from qwen_tui.chat.terminal_text import visible_controls
from qwen_tui.ui.widgets.assistant_turn import AssistantTurn
from qwen_tui.ui.widgets.fork_mark import ForkMark
from qwen_tui.ui.widgets.tool_call_block import ToolCallBlock
from qwen_tui.ui.widgets.tuning_table import TuningTable
from qwen_tui.ui.widgets.user_turn import UserTurn

UNANSWERED_NOTE = "■ no reply: interrupted · E on the message puts it back in the input"
EMPTY_HINT = (
    "Ask anything.  Enter sends · Ctrl+J new line · Ctrl+T thinking on/off · "
    "/no_think in a message skips thinking for that turn · F1 help"
)


class ConversationView(VerticalScroll):
    """User and assistant turns, oldest first."""

    def compose(self):
        yield Static(EMPTY_HINT, classes="empty-hint", markup=False)

    async def show_conversation(self, conversation: Conversation) -> None:
        """Replace everything shown with `conversation` (e.g. a resumed session): its system
        prompt, its turns, and a note after each question that got no reply."""
        await self.remove_children(
            "UserTurn, AssistantTurn, ToolCallBlock, ForkMark, TuningTable, .system-prompt, "
            ".unanswered-note"
        )
        shown: list[Widget] = []
        if conversation.forked_from is not None:
            shown.append(ForkMark(conversation.forked_from))
        if conversation.system_prompt:
            shown.append(_system_prompt_line(conversation.system_prompt))
        shown += message_widgets([m for m in conversation.messages if m.role is not Role.SYSTEM])
        if shown:
            await self.mount_all(shown)
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

    async def add_assistant(
        self, prompt_tokens: int, clock: Callable[[], float] = time.monotonic
    ) -> AssistantTurn:
        """Start a live assistant turn whose prompt takes `prompt_tokens`, timed by `clock`."""
        turn = AssistantTurn(prompt_tokens=prompt_tokens, clock=clock)
        await self.mount(turn)
        self.anchor()
        return turn

    async def add_tool_call(self, block: ToolCallBlock) -> None:
        """Show a tool call of the reply that just ended."""
        await self.mount(block)
        self.anchor()

    def user_number(self, turn: UserTurn) -> tuple[int, int]:
        """The number of `turn` among the user messages shown (from 1), and how many of
        those shown have left the model's context (dimmed: always the oldest)."""
        users = list(self.query_children(UserTurn))
        dropped = sum(1 for user in users if user.has_class("-dropped"))
        return users.index(turn) + 1, dropped

    async def remove_reply(self, turns_back: int) -> bool:
        """Take the reply of the user message `turns_back` before the last off the screen;
        whether it held the focus."""
        shown = self._reply_of(turns_back)[1]
        focused = any(w.has_focus_within for w in shown)
        await self.remove_children(shown)
        return focused

    async def show_reply(
        self, turns_back: int, messages: Sequence[Message] | None, number: int, count: int
    ) -> None:
        """Show `messages` as the reply of the user message `turns_back` before the last
        (None: the one there, made again and streaming), marked as `number` of `count`."""
        user, shown = self._reply_of(turns_back)
        focused = any(w.has_focus_within for w in shown)
        if messages is not None and user is not None:
            await self.remove_children(shown)
            shown = message_widgets(list(messages))
            await self.mount_all(shown, after=user)
        first = next((w for w in shown if isinstance(w, AssistantTurn)), None)
        if first is not None:
            first.choice.show(number, count)
            if focused:  # ← → again go on from the reply shown now
                first.focus(scroll_visible=False)

    def turns_back_of(self, widget: Widget) -> int:
        """How many user messages come after the reply `widget` is part of."""
        children = list(self.children)
        while widget.parent is not self and isinstance(widget.parent, Widget):
            widget = widget.parent
        after = children[children.index(widget) + 1 :] if widget in children else []
        return sum(isinstance(child, UserTurn) for child in after)

    def _reply_of(self, turns_back: int) -> tuple[UserTurn | None, list[Widget]]:
        """The user message `turns_back` before the last, and the widgets of its reply."""
        children = list(self.children)
        users = [i for i, child in enumerate(children) if isinstance(child, UserTurn)]
        if not 0 <= turns_back < len(users):
            return None, []
        start = users[len(users) - 1 - turns_back]
        later = [i for i in users if i > start]
        user = children[start]
        assert isinstance(user, UserTurn)
        return user, children[start + 1 : later[0] if later else len(children)]

    def assistant_turns(self) -> list[AssistantTurn]:
        return list(self.query_children(AssistantTurn))

    def mark_dropped(self, user_messages: int) -> None:
        """Dim the oldest `user_messages` user messages still in context, each with what
        follows it (failed turns too): the model no longer sees them."""
        users = 0
        for turn in self.query_children("UserTurn, AssistantTurn, ToolCallBlock"):
            if turn.has_class("-dropped"):
                continue
            if isinstance(turn, UserTurn):
                users += 1
                if users > user_messages:
                    break
            turn.add_class("-dropped")

    def toggle_thinking(self, focused: Widget | None) -> None:
        """Open or fold the thinking of the turn holding `focused`, else of the latest."""
        while focused is not None and not isinstance(focused, AssistantTurn):
            focused = focused.parent if isinstance(focused.parent, Widget) else None
        turns = [t for t in self.assistant_turns() if t.thinking.display]
        target = focused if isinstance(focused, AssistantTurn) else (turns[-1] if turns else None)
        if target is not None:
            target.action_toggle_thinking()

    def toggle_all_thinking(self) -> None:
        """Open every thinking pane, or fold them all if all are open."""
        panes = [t.thinking for t in self.assistant_turns() if t.thinking.display]
        expand = not all(pane.expanded for pane in panes)
        for pane in panes:
            pane.expanded = expand

    def last_answer(self) -> str:
        """The latest answer (the one streaming, if any); "" before the first."""
        turns = self.assistant_turns()
        return turns[-1].answer.text if turns else ""

    async def show_system_prompt(self, prompt: str) -> None:
        """The header line at the top: the system prompt the next turns send."""
        await self.remove_children(".system-prompt")
        if prompt:
            line = _system_prompt_line(prompt)
            marks = self.query_children(ForkMark)  # a fork's mark stays the first line
            if marks:
                await self.mount(line, after=marks.first())
            else:
                await self.mount(line, before=0)

    async def show_tuning(self, table: TuningTable) -> None:
        """`/set` alone: its table after the latest turn, in place of an earlier one."""
        await self.remove_children(TuningTable)
        await self.mount(table)
        self.scroll_end(animate=False)
        self.anchor()

    def _show_hint(self) -> None:
        self.query_one(".empty-hint").display = not self.query_children("UserTurn, AssistantTurn")


def _system_prompt_line(prompt: str) -> Static:
    """The header line naming the system prompt, its control characters made visible
    (a resumed session file may hold anything)."""
    return Static(
        f"System prompt: {visible_controls(prompt)}", classes="system-prompt", markup=False
    )


def unanswered(messages: list[Message], index: int) -> bool:
    """Whether `messages[index]` is a question left without a reply (a crash, a closed
    pipe): a user message followed by another, or by nothing."""
    following = messages[index + 1] if index + 1 < len(messages) else None
    return messages[index].role is Role.USER and (following is None or following.role is Role.USER)


def message_widgets(messages: list[Message]) -> list[Widget]:
    """The widgets of `messages`: each turn, each tool call with its result, a note after
    each question that got no reply, and the first reply of a user message with others
    marked as the one shown of them."""
    shown: list[Widget] = []
    calls: list[ToolCallRecord] = []  # the last reply's calls, matched to their results
    choice: tuple[int, int] | None = None  # the next reply's place, if it has others
    for index, message in enumerate(messages):
        if message.role is Role.TOOL:
            call = calls.pop(0) if calls else ToolCallRecord(message.tool_name, {})
            shown.append(ToolCallBlock.finished(call, message))
            continue
        calls = list(message.tool_calls)
        if message.role is Role.USER:
            shown.append(UserTurn(message.content))
            count = reply_count(message)
            choice = (message.shown_reply + 1, count) if count > 1 else None
        else:
            turn = AssistantTurn(message)
            if choice is not None:
                turn.choice.show(*choice)
                choice = None
            shown.append(turn)
        if unanswered(messages, index):
            shown.append(Static(UNANSWERED_NOTE, classes="unanswered-note", markup=False))
    return shown
