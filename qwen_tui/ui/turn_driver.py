"""`TurnDriver`: the conversation core on the chat screen.

It hands the core what the user types and what the engine sends (drained from the
`EngineBridge`, through the `/model` switch), and shows every update the core returns
through `TurnUpdates` (`turn_updates.py`): widgets in the `ChatView`, notices, and the
budget dialog. It runs on the UI thread only; a lock keeps the screen's regular drain and
Esc's own from interleaving.
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
from qwen_tui.conversation.updates import BudgetChoice, Notice, Severity, Update
from qwen_tui.tools.approval import Answer
from qwen_tui.ui.chat_view import ChatView
from qwen_tui.ui.turn_updates import TurnUpdates


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
        self._drain = drain
        self._lock = asyncio.Lock()
        self.view_updates = TurnUpdates(view, app, self._budget_answered, self._tool_answered)

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
            self.view_updates.notify(Notice(f"{origin.describe()}; that session stays as it was."))

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
            self.view_updates.notify(Notice(str(exc), Severity.ERROR, "Sessions"))
            return False
        await self.apply(self.core.continue_session(continued.resumed_by(self.core.engine)))
        for warning in continued.session.warnings:
            self.view_updates.notify(Notice(warning, Severity.WARNING, "Sessions"))
        self.view_updates.notify(Notice(f"Continuing “{continued.session.title}”."))
        return True

    async def apply(self, updates: list[Update]) -> None:
        """Show the updates a call of the core (or of the model switch) returned."""
        for update in updates:
            await self.view_updates.show(update)
        self.view.set_generating()

    async def _budget_answered(self, choice: BudgetChoice | None) -> None:
        await self.apply(self.core.answer_budget(choice))

    async def _tool_answered(self, answer: Answer) -> None:
        async with self._lock:
            await self.apply(self.core.answer_tool(answer))
