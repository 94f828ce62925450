"""`Serving`: one engine behind the API, one request at a time, a short queue before it.

A served request is a front-end of the conversation core like the chat: each gets its own
`ConversationCore` (its conversation, its settings) on the one engine, with request ids
from one counter so the engine's events always name one request. The engine's sink is
set once; its events (from the engine's thread) reach the event loop through
`call_soon_threadsafe` and go to the request whose turn it is. The next request starts
only once the engine has reported the end of the one before, stopped or not.
"""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import Callable

from qwen_tui.chat.budget import MIN_REPLY_TOKENS, Budget
from qwen_tui.chat.messages import Conversation
from qwen_tui.config import Settings
from qwen_tui.conversation.core import ConversationCore
from qwen_tui.conversation.opening import new_sessions
from qwen_tui.conversation.recording import RecorderFactory
from qwen_tui.conversation.updates import BudgetQuestion, Refused, ToolLoopStopped
from qwen_tui.engine.base import Engine
from qwen_tui.engine.events import EngineError, EngineEvent, EngineReady, LoadProgress
from qwen_tui.server.errors import bad_request, engine_failed, not_ready, too_busy
from qwen_tui.server.offered_tools import OfferedTools
from qwen_tui.server.request_turn import RequestedTurn
from qwen_tui.server.served_turn import ServedTurn
from qwen_tui.server.stop_strings import StopStrings
from qwen_tui.sessions import SessionRecorder, SessionStore

LoadWatcher = Callable[[EngineEvent], None]


class Serving:
    """The engine, whether it is ready, the request it runs and how many wait."""

    def __init__(
        self,
        engine: Engine,
        settings: Settings,
        *,
        queue_size: int = 4,
        store: SessionStore | None = None,
        on_load: LoadWatcher | None = None,
    ) -> None:
        """`settings` give the model and engine; `queue_size` requests may wait for the
        one running (more get 429); `store` saves each request as a session (none: not
        saved); `on_load` sees the load's events (progress, ready, failure)."""
        self.engine = engine
        self.settings = settings
        self.model_id = settings.model
        self.queue_size = queue_size
        self.ready: EngineReady | None = None
        self.load_error: str | None = None
        self._store = store
        self._on_load = on_load
        self._request_ids = itertools.count(1)
        self._slot = asyncio.Lock()
        self._waiting = 0
        self._turn: ServedTurn | None = None
        self._loop: asyncio.AbstractEventLoop | None = None

    def start(self) -> None:
        """Start loading the engine; call from the event loop that serves."""
        self._loop = asyncio.get_running_loop()
        self.engine.start(self._from_engine)

    def close(self) -> None:
        """Stop the reply in progress and free the engine."""
        if self._turn is not None:
            self._turn.stop()
        self.engine.close()

    async def begin(self, requested: RequestedTurn) -> ServedTurn:
        """Wait for the engine (in the queue, if there is room) and start the turn.
        Raises ApiError: 503 while loading, 429 past the queue, 400 for a prompt that
        leaves no room for a reply."""
        if self.ready is None:
            reason = self.load_error or "the model is still loading; wait for GET /health"
            raise not_ready(reason)
        if self._slot.locked() and self._waiting >= self.queue_size:
            raise too_busy(self._waiting)
        self._waiting += 1
        try:
            await self._slot.acquire()
        finally:
            self._waiting -= 1
        try:
            return self._start(requested, self.ready)
        except BaseException:
            self._slot.release()
            raise

    def _start(self, requested: RequestedTurn, ready: EngineReady) -> ServedTurn:
        core = ConversationCore(
            self.engine,
            requested.settings,
            requested.conversation,
            recorder_factory=self._sessions(requested.conversation),
            request_ids=self._request_ids,
            tools=OfferedTools(requested.tools) if requested.tools else None,
        )
        core.handle(ready)
        core.short_replies_ok = True  # a reply that only fits shorter runs, ending "length"
        if requested.text is None:
            updates = core.answer_results()
        else:
            updates = core.send(requested.text)
        for update in updates:
            if isinstance(update, BudgetQuestion):
                core.answer_budget(None)
                core.close()
                no_room = _no_room(update.budget, requested.settings, bool(requested.tools))
                raise bad_request(no_room, "messages")
            if isinstance(update, ToolLoopStopped):  # no room to read the results
                core.close()
                raise bad_request(_no_room_for_results(self.engine.context_limit), "messages")
            if isinstance(update, Refused):
                core.close()
                raise engine_failed(update.reason)
        turn = ServedTurn(core, StopStrings(requested.stops))
        self._turn = turn
        turn.take(updates)
        return turn

    def _sessions(self, conversation: Conversation) -> RecorderFactory | None:
        """Each request a new session holding its history, when saving."""
        if self._store is None:
            return None
        sessions = new_sessions(self._store)

        def open_session(settings: Settings, engine: Engine) -> SessionRecorder | None:
            recorder = sessions(settings, engine)
            if recorder is not None:
                recorder.note_history(conversation.messages)
            return recorder

        return open_session

    def _from_engine(self, event: EngineEvent) -> None:
        """The engine's sink: runs on the engine's thread."""
        assert self._loop is not None
        try:
            self._loop.call_soon_threadsafe(self._dispatch, event)
        except RuntimeError:  # the loop has closed: the server is shutting down
            pass

    def _dispatch(self, event: EngineEvent) -> None:
        if isinstance(event, LoadProgress):
            self._tell_load(event)
        elif isinstance(event, EngineReady):
            self.ready = event
            self._tell_load(event)
        elif isinstance(event, EngineError) and self.ready is None:
            self.load_error = f"the model failed to load: {event.message}"
            self._tell_load(event)
        elif self._turn is not None:
            turn = self._turn
            turn.take(turn.core.handle(event))
            if turn.ending is not None and turn.core.in_engine is None:
                self._turn = None
                self._slot.release()

    def _tell_load(self, event: EngineEvent) -> None:
        if self._on_load is not None:
            self._on_load(event)


def _no_room(budget: Budget, settings: Settings, tools: bool) -> str:
    room = max(budget.limit - budget.prompt_tokens, 0)
    needed = min(MIN_REPLY_TOKENS, settings.max_new_tokens)
    what, fix = "The messages take", "shorten the messages"
    if tools:
        what, fix = "The messages and the tools' schemas take", f"{fix} or offer fewer tools"
    return (
        f"{what} {budget.prompt_tokens:,} tokens of the model's "
        f"{budget.limit:,}-token context, leaving {room:,} for the reply, fewer than the "
        f"{needed:,} it needs at least; {fix}."
    )


def _no_room_for_results(limit: int) -> str:
    return (
        f"The messages fill the model's {limit:,}-token context, leaving no room for the "
        "reply to the tool results; shorten the messages."
    )
