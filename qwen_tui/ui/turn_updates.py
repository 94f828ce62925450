"""`TurnUpdates`: the conversation core's updates on the chat screen, for the `TurnDriver`.

Each update becomes what the user sees: a reply's widget (one per live turn, by request
id) made, streamed into and finished; notices; the budget dialog, whose answer goes back
through `ConversationCore.answer_budget`; the conversation shown anew after a switch; the
engine's loading. The tool loop's updates go to `ToolUpdates`.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from textual.app import App

from qwen_tui import heap
from qwen_tui.conversation.updates import (
    BudgetChoice,
    BudgetQuestion,
    ConversationChanged,
    LoadFailed,
    Loading,
    ModeChanged,
    Notice,
    NotSaved,
    Queued,
    QueueWait,
    Ready,
    Refused,
    ReplyShown,
    Severity,
    SystemPromptChanged,
    TextStreamed,
    TurnEnded,
    TurnsDropped,
    TurnStarted,
    Update,
)
from qwen_tui.tools.approval import Answer
from qwen_tui.ui.chat_view import ChatView
from qwen_tui.ui.screens.budget_screen import BudgetScreen
from qwen_tui.ui.tool_updates import ToolUpdate, ToolUpdates
from qwen_tui.ui.widgets.assistant_turn import AssistantTurn

_QUEUE_WAITS = {
    QueueWait.MODEL: "when the model is ready",
    QueueWait.REPLY: "when the current reply ends",
    QueueWait.QUESTION: "once you answer the question about the context",
}


class TurnUpdates:
    """Shows the core's updates in `view`; the dialogs' answers go to the two callbacks."""

    def __init__(
        self,
        view: ChatView,
        app: App,
        budget_answered: Callable[[BudgetChoice | None], Awaitable[None]],
        tool_answered: Callable[[Answer], Awaitable[None]],
    ) -> None:
        self.view = view
        self.app = app
        self._budget_answered = budget_answered
        self._widgets: dict[int, AssistantTurn] = {}  # the live turn's widget, by request id
        self.tools = ToolUpdates(view, app, tool_answered)

    async def show(self, update: Update) -> None:  # noqa: C901 - one branch per update
        """Show one update of the core on the screen."""
        view = self.view
        if isinstance(update, ToolUpdate):
            await self.tools.show(update)
        elif isinstance(update, TextStreamed):
            widget = self._widgets.get(update.turn.request_id)
            if widget is not None:
                await widget.add(update.delta)
        elif isinstance(update, TurnStarted):
            turn = update.turn
            replies = view.turns.assistant_turns()
            if turn.continues is not None and replies:  # /continue: the same reply goes on
                widget = replies[-1]
                widget.reopen(not turn.continues.thinking_finished)
            elif turn.step > 0 or turn.again:  # tool results' reply, or one made again
                refocus = turn.again and await view.turns.remove_reply(0)
                widget = await view.turns.add_assistant(turn.prompt_tokens, view.clock)
                if refocus:  # R on the reply: ← → go on from the new one
                    widget.focus(scroll_visible=False)
            else:
                widget = await view.add_turn(turn.prompt, turn.prompt_tokens)
            self._widgets[turn.request_id] = widget
            view.show_context_used(turn.prompt_tokens)
        elif isinstance(update, TurnEnded):
            # The status line first: once the core is idle, the screen says so too.
            view.show_stats(update.message.stats)
            view.refresh_context()
            view.set_generating()
            widget = self._widgets.pop(update.turn.request_id, None)
            if widget is not None:
                await widget.finish(update.message)
        elif isinstance(update, Notice):
            self.notify(update)
        elif isinstance(update, NotSaved):
            self.notify(Notice(f"Session not saved: {update.reason}", Severity.ERROR, "Sessions"))
        elif isinstance(update, Queued):
            why = _QUEUE_WAITS[update.waits_for]
            self.notify(Notice(f"Queued ({update.waiting}): it is sent {why}."))
        elif isinstance(update, Refused):
            if update.reason:
                self.notify(Notice(update.reason, Severity.ERROR))
            view.restore_input(update.text)
        elif isinstance(update, BudgetQuestion):
            self.app.push_screen(BudgetScreen(update), self._budget_answered)
        elif isinstance(update, ReplyShown):
            await view.show_reply(update)
        elif isinstance(update, TurnsDropped):
            view.turns.mark_dropped(update.user_messages)
        elif isinstance(update, ConversationChanged):
            self._widgets.clear()
            self.tools.reset()
            await view.show_conversation(update.conversation)
            heap.renew()  # the old turns' widgets were frozen (`heap.py`): free them now
        elif isinstance(update, ModeChanged):
            view.show_mode(update.thinking)
        elif isinstance(update, SystemPromptChanged):
            await view.turns.show_system_prompt(update.prompt)
        elif isinstance(update, Loading):
            view.show_load_progress(update.progress)
        elif isinstance(update, Ready):
            view.show_ready(update.event)
        elif isinstance(update, LoadFailed):
            view.show_load_failed()

    def notify(self, notice: Notice) -> None:
        """A notice as a toast; errors stay longer."""
        # markup=False: notices quote the user's text and files, brackets and all.
        timeout = 10 if notice.severity is Severity.ERROR else None
        self.app.notify(
            notice.text,
            title=notice.title,
            severity=notice.severity.value,
            timeout=timeout,
            markup=False,
        )
