"""`TurnDriver`: the conversation on the chat screen and its traffic with the engine.

It owns the conversation the model sees, the state of the engine as the chat knows it,
the queue of prompts, the live turn and the session recording. It runs on the UI thread
only; the engine reaches it through the `EngineBridge`. Sending lives in `turn_sending`,
applying engine events (and Esc) in `turn_streaming`, writing sessions in
`session_recording`.
"""

from __future__ import annotations

import asyncio
from collections import deque
from typing import TYPE_CHECKING

from qwen_tui.chat.history import template_messages
from qwen_tui.chat.messages import Conversation
from qwen_tui.chat.turn_plan import plan_turn
from qwen_tui.config import Settings
from qwen_tui.engine.base import Engine, EngineFailure
from qwen_tui.ui.session_recording import RecorderFactory, SessionRecording
from qwen_tui.ui.turn_sending import TurnSending
from qwen_tui.ui.turn_streaming import LiveTurn, TurnStreaming

if TYPE_CHECKING:
    from qwen_tui.sessions import SessionRecorder
    from qwen_tui.ui.screens.chat_screen import ChatScreen


class TurnDriver(TurnSending, TurnStreaming):
    """The conversation's traffic with the engine, for one `ChatScreen`."""

    def __init__(
        self,
        screen: ChatScreen,
        engine: Engine,
        settings: Settings,
        conversation: Conversation,
        recorder_factory: RecorderFactory | None,
    ) -> None:
        self.screen = screen
        self.engine = engine
        self.settings = settings
        self.conversation = conversation
        self.state = "loading"  # then "ready" or "failed"
        self.load_error = ""
        self.pending: deque[str] = deque()
        self.live: LiveTurn | None = None
        self.in_engine: int | None = None  # the request the engine still works on
        self.short_replies_ok = False
        self.choosing = False  # the budget dialog is open
        self.recording = SessionRecording(recorder_factory, screen.notify)
        # Events are applied by the screen's message loop; Esc drains from a key handler.
        self._events_lock = asyncio.Lock()
        self._next_id = 1

    @property
    def recorder(self) -> SessionRecorder | None:
        """The session this conversation is saved in, if any."""
        return self.recording.recorder

    @property
    def busy(self) -> bool:
        """A turn streams, the engine still works on one, or the budget dialog is open."""
        return self.in_engine is not None or self.live is not None or self.choosing

    async def new_conversation(self) -> None:
        """Stop any reply, forget the history and the queue, start a new session."""
        await self._switch(Conversation(self.conversation.system_prompt), None)

    async def continue_session(self, conversation: Conversation, recorder: SessionRecorder) -> None:
        """Stop any reply and the queue, then go on with a saved `conversation`, recording
        into `recorder` (opened on its session, lock held)."""
        await self._switch(conversation, recorder)

    async def _switch(self, conversation: Conversation, recorder: SessionRecorder | None) -> None:
        await self.cancel()  # the stopped reply is saved in the session it belongs to
        self.pending.clear()
        self.conversation = conversation
        self.short_replies_ok = False
        if recorder is None:
            self.recording.start()
        else:
            self.recording.adopt(recorder)
        await self.screen.show_conversation(self.conversation)

    def base_thinking(self) -> bool:
        """The mode the next turn runs in if the pending message has no soft switch."""
        plan = plan_turn(self.conversation, "", self.settings)
        return plan.thinking

    def context_used(self) -> int:
        """Prompt tokens the conversation takes now (what the next turn starts from)."""
        messages = template_messages(self.conversation)
        if not messages:
            return 0
        try:
            return self.engine.count_prompt_tokens(messages, self.settings.thinking)
        except EngineFailure:
            return 0  # not countable (a failing template): sending says why

