"""`TurnDriver`: the conversation core on the chat screen.

It hands the core what the user types and what the engine sends (drained from the
`EngineBridge`, through the `/model` switch), and shows every update the core returns
through `TurnUpdates` (`turn_updates.py`): widgets in the `ChatView`, notices, and the
budget dialog. It runs on the UI thread only; a lock keeps the screen's regular drain,
Esc's own and the user's actions from interleaving.

A new turn's widgets wait for its first token (at most `PREFILL_HEADSTART_S`), in a worker
that holds the lock meanwhile, so the key that sent it and Esc are answered at once.
Mounting them costs the UI thread tens of milliseconds of layout and styling, and while a
short prompt is read the engine thread's Python needs the GIL just as much: the UI's work
would come on top of the time to the first token (on an H200, 0.160 s in the chat against
0.072 s in `run` for the same 47-token prompt).
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable, Iterable

from textual.app import App

from qwen_tui.conversation.core import ConversationCore
from qwen_tui.conversation.model_switch import ModelSwitch
from qwen_tui.conversation.opening import open_saved
from qwen_tui.conversation.tool_loop import ToolActivity
from qwen_tui.conversation.tool_runner import CoreEvent
from qwen_tui.conversation.updates import BudgetChoice, Notice, Severity, TurnStarted, Update
from qwen_tui.tools.approval import Answer
from qwen_tui.ui.chat_view import ChatView
from qwen_tui.ui.engine_bridge import EngineBridge
from qwen_tui.ui.turn_updates import TurnUpdates

PREFILL_HEADSTART_S = 0.1
"""How long a new turn's widgets wait for its first token, at most: a longer prompt's
reading shows as "reading the prompt…" after this (it feels immediate at 0.1 s)."""


class TurnDriver:
    """Runs the core's turns on one chat screen."""

    def __init__(
        self,
        core: ConversationCore,
        view: ChatView,
        app: App,
        bridge: EngineBridge,
        models: ModelSwitch,
    ) -> None:
        self.core = core
        self.models = models
        """`/model`: engine events go through it, to the core."""
        self.view = view
        self.app = app
        self._bridge = bridge
        self._drain: Callable[[], list[CoreEvent]] = bridge.drain
        self._lock = asyncio.Lock()
        self.holding_a_turn = False
        """A new turn waits for its first token; the screen drains the engine's events
        after it (a drain would wait for it)."""
        self.view_updates = TurnUpdates(view, app, self._budget_answered, self._tool_answered)

    async def send(self, text: str) -> None:
        """Send what the user typed (or queue it)."""
        await self._run(lambda: self.core.send(text))

    async def edit_and_fork(self, number: int, dropped: int, text: str) -> None:
        """Send `text` in place of user message `number` as a fork of the conversation
        (`dropped` of the messages shown had left the context)."""
        before = self.core.conversation
        await self._run(lambda: self.core.edit_and_fork(number, text, dropped))
        origin = self.core.conversation.forked_from
        if self.core.conversation is not before and origin is not None:
            self.view_updates.notify(Notice(f"{origin.describe()}; that session stays as it was."))

    async def continue_reply(self) -> None:
        """Go on with the last, cut-off reply (`/continue`)."""
        await self._run(self.core.continue_reply)

    async def regenerate(self) -> None:
        """Answer the last user message again (Ctrl+R, `/retry`, R on the last reply)."""
        await self._run(self.core.regenerate)

    async def show_reply(self, turns_back: int, step: int) -> None:
        """← or → on a reply: its user message's previous or next reply."""
        await self._run(lambda: self.core.show_reply(turns_back, step))

    async def handle(self, events: Iterable[CoreEvent]) -> None:
        """Apply drained engine events and tool results, in order (never interleaved with
        Esc's own drain)."""
        async with self._lock:
            for event in events:
                updates = self.models.handle(event)
                await self._show(updates, self._watch(updates))

    async def cancel(self) -> None:
        """Esc: take what the engine sent meanwhile, then stop the live turn (or the tool
        call running)."""
        if self.core.live is None and self.core.tool_activity is ToolActivity.NONE:
            return
        self.core.engine.cancel()
        await self.handle(self._drain())
        await self._run(self.core.cancel)

    async def new_conversation(self) -> None:
        await self._run(self.core.new_conversation)

    async def toggle_thinking(self) -> None:
        await self._run(self.core.toggle_thinking)

    async def open_session(self, session_id: str) -> bool:
        """Show `session_id` and append what follows to it, as `qwen-chat resume` does;
        False, with a notice, if it is locked by another process or unreadable."""
        from qwen_tui.sessions import SessionError, SessionStore

        try:
            continued = open_saved(SessionStore(), session_id, self.core.settings)
        except (SessionError, OSError) as exc:
            self.view_updates.notify(Notice(str(exc), Severity.ERROR, "Sessions"))
            return False
        resumed = continued.resumed_by(self.core.engine)
        await self._run(lambda: self.core.continue_session(resumed))
        for warning in continued.session.warnings:
            self.view_updates.notify(Notice(warning, Severity.WARNING, "Sessions"))
        self.view_updates.notify(Notice(f"Continuing “{continued.session.title}”."))
        return True

    async def apply(self, updates: list[Update]) -> None:
        """Show the updates a call of the core (or of the model switch) returned."""
        await self._run(lambda: updates)

    async def _run(self, call: Callable[[], list[Update]]) -> None:
        """Call the core and show its updates, under the lock; a turn that starts shows
        from a worker once its reply is under way, and that worker lets the lock go."""
        await self._lock.acquire()
        handed_over = False
        try:
            updates = call()
            reply = self._watch(updates)
            if reply is None:
                await self._show(updates, None)
            else:
                self.app.run_worker(self._show_then_release(updates, reply), group="turns")
                handed_over = self.holding_a_turn = True
        finally:
            if not handed_over:
                self._lock.release()

    async def _show_then_release(self, updates: list[Update], reply: asyncio.Event) -> None:
        try:
            await self._show(updates, reply)
        finally:
            self.holding_a_turn = False
            self._lock.release()

    def _watch(self, updates: list[Update]) -> asyncio.Event | None:
        """The arrival of the first token of the turn `updates` start, if they do."""
        started = [update.turn.request_id for update in updates if isinstance(update, TurnStarted)]
        return self._bridge.watch_reply(started[0]) if started else None

    async def _show(self, updates: list[Update], reply: asyncio.Event | None) -> None:
        if reply is not None:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(reply.wait(), PREFILL_HEADSTART_S)
        for update in updates:
            await self.view_updates.show(update)
        self.view.set_generating()

    async def _budget_answered(self, choice: BudgetChoice | None) -> None:
        await self._run(lambda: self.core.answer_budget(choice))

    async def _tool_answered(self, answer: Answer) -> None:
        await self._run(lambda: self.core.answer_tool(answer))
