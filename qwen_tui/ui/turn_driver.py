"""`TurnDriver`: the conversation core on the chat screen.

It hands the core what the user types and what the engine sends (drained from the
`EngineBridge`, through the `/model` switch), and shows every update the core returns:
widgets through the `ChatView`, notices, and the budget dialog. It runs on the UI thread
only; a lock keeps the screen's regular drain and Esc's own from interleaving.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterable

from textual.app import App

from qwen_tui.conversation.core import ConversationCore
from qwen_tui.conversation.model_switch import ModelSwitch
from qwen_tui.conversation.opening import open_saved
from qwen_tui.conversation.tool_loop import ToolActivity
from qwen_tui.conversation.tool_runner import CoreEvent
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


class TurnDriver:
    """Runs the core's turns on one chat screen."""

    def __init__(
        self,
        core: ConversationCore,
        view: ChatView,
        app: App,
        drain: Callable[[], list[CoreEvent]],
        models: ModelSwitch,
    ) -> None:
        self.core = core
        self.models = models
        """`/model`: engine events go through it, to the core."""
        self.view = view
        self.app = app
        self._drain = drain
        self._widgets: dict[int, AssistantTurn] = {}  # the live turn's widget, by request id
        self._lock = asyncio.Lock()
        self.tools = ToolUpdates(view, app, self._tool_answered)

    async def send(self, text: str) -> None:
        """Send what the user typed (or queue it)."""
        await self.apply(self.core.send(text))

    async def edit_and_fork(self, number: int, dropped: int, text: str) -> None:
        """Send `text` in place of user message `number` as a fork of the conversation
        (`dropped` of the messages shown had left the context)."""
        before = self.core.conversation
        await self.apply(self.core.edit_and_fork(number, text, dropped))
        origin = self.core.conversation.forked_from
        if self.core.conversation is not before and origin is not None:
            self._notify(Notice(f"{origin.describe()}; that session stays as it was."))

    async def continue_reply(self) -> None:
        """Go on with the last, cut-off reply (`/continue`)."""
        await self.apply(self.core.continue_reply())

    async def regenerate(self) -> None:
        """Answer the last user message again (Ctrl+R, `/retry`, R on the last reply); the
        lock holds the reply's events back until its widget is in place."""
        async with self._lock:
            await self.apply(self.core.regenerate())

    async def show_reply(self, turns_back: int, step: int) -> None:
        """← or → on a reply: its user message's previous or next reply."""
        async with self._lock:
            await self.apply(self.core.show_reply(turns_back, step))

    async def handle(self, events: Iterable[CoreEvent]) -> None:
        """Apply drained engine events and tool results, in order (never interleaved with
        Esc's own drain)."""
        async with self._lock:
            for event in events:
                await self.apply(self.models.handle(event))

    async def cancel(self) -> None:
        """Esc: take what the engine sent meanwhile, then stop the live turn (or the tool
        call running)."""
        if self.core.live is None and self.core.tool_activity is ToolActivity.NONE:
            return
        self.core.engine.cancel()
        await self.handle(self._drain())
        async with self._lock:
            await self.apply(self.core.cancel())

    async def new_conversation(self) -> None:
        await self.apply(self.core.new_conversation())

    async def toggle_thinking(self) -> None:
        await self.apply(self.core.toggle_thinking())

    async def open_session(self, session_id: str) -> bool:
        """Show `session_id` and append what follows to it, as `qwen-chat resume` does;
        False, with a notice, if it is locked by another process or unreadable."""
        from qwen_tui.sessions import SessionError, SessionStore

        try:
            continued = open_saved(SessionStore(), session_id, self.core.settings)
        except (SessionError, OSError) as exc:
            self._notify(Notice(str(exc), Severity.ERROR, "Sessions"))
            return False
        await self.apply(self.core.continue_session(continued.resumed_by(self.core.engine)))
        for warning in continued.session.warnings:
            self._notify(Notice(warning, Severity.WARNING, "Sessions"))
        self._notify(Notice(f"Continuing “{continued.session.title}”."))
        return True

    async def apply(self, updates: list[Update]) -> None:
        """Show the updates a call of the core (or of the model switch) returned."""
        for update in updates:
            await self._show(update)
        self.view.set_generating()

    async def _show(self, update: Update) -> None:  # noqa: C901 - one branch per update
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
            self._notify(update)
        elif isinstance(update, NotSaved):
            self._notify(Notice(f"Session not saved: {update.reason}", Severity.ERROR, "Sessions"))
        elif isinstance(update, Queued):
            why = _QUEUE_WAITS[update.waits_for]
            self._notify(Notice(f"Queued ({update.waiting}): it is sent {why}."))
        elif isinstance(update, Refused):
            if update.reason:
                self._notify(Notice(update.reason, Severity.ERROR))
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

    async def _budget_answered(self, choice: BudgetChoice | None) -> None:
        await self.apply(self.core.answer_budget(choice))

    async def _tool_answered(self, answer: Answer) -> None:
        async with self._lock:
            await self.apply(self.core.answer_tool(answer))

    def _notify(self, notice: Notice) -> None:
        # markup=False: notices quote the user's text and files, brackets and all.
        timeout = 10 if notice.severity is Severity.ERROR else None
        self.app.notify(
            notice.text,
            title=notice.title,
            severity=notice.severity.value,
            timeout=timeout,
            markup=False,
        )
