"""The main screen: the conversation, the load bar, the input, the status line.

The screen starts the engine, applies its events once a frame and takes what is typed;
what its keys and commands do is in `chat_actions`, how it shows the turns and the
engine's state in `chat_display`.
"""

from __future__ import annotations

import time
from collections.abc import Sequence

from textual.app import ComposeResult
from textual.screen import Screen
from textual.timer import Timer
from textual.widgets import Footer

from qwen_tui.chat.messages import Conversation
from qwen_tui.config import Settings
from qwen_tui.engine.base import Engine
from qwen_tui.ui.app_commands import UnknownCommand, parse_command
from qwen_tui.ui.chat_actions import ChatActions
from qwen_tui.ui.chat_display import ChatDisplay
from qwen_tui.ui.engine_bridge import BridgedEvent, EngineBridge, EngineEventsWaiting
from qwen_tui.ui.keymap import CHAT_BINDINGS
from qwen_tui.ui.session_recording import RecorderFactory
from qwen_tui.ui.turn_driver import TurnDriver
from qwen_tui.ui.widgets.conversation_view import ConversationView
from qwen_tui.ui.widgets.load_bar import LoadBar
from qwen_tui.ui.widgets.prompt_input import PromptInput
from qwen_tui.ui.widgets.status_bar import StatusBar
from qwen_tui.ui.widgets.user_turn import UserTurn

WIDE_COLUMNS = 120
"""From this width on, thinking panes sit beside their answers instead of above them."""
FRAME_S = 1 / 30
"""Engine events are applied at most this often, however fast tokens come."""


class ChatScreen(ChatActions, ChatDisplay, Screen):
    BINDINGS = CHAT_BINDINGS

    def __init__(
        self,
        engine: Engine,
        settings: Settings,
        conversation: Conversation,
        queued_prompts: Sequence[str],
        recorder_factory: RecorderFactory | None,
    ) -> None:
        super().__init__()
        self.engine = engine
        self.driver = TurnDriver(self, engine, settings, conversation, recorder_factory)
        self.driver.pending.extend(queued_prompts)
        self.bridge = EngineBridge(self)
        self._base_thinking = True  # the next turn's mode without a soft switch (chat_display)
        self._last_drain = 0.0
        self._drain_timer: Timer | None = None

    def compose(self) -> ComposeResult:
        yield ConversationView(id="conversation")
        yield LoadBar(id="load-bar")
        yield PromptInput(id="prompt")  # its history comes with the conversation, on mount
        yield StatusBar(id="status")
        yield Footer()

    async def on_mount(self) -> None:
        self.set_class(self.app.size.width >= WIDE_COLUMNS, "-wide")
        status = self.query_one(StatusBar)
        status.engine_name = self.engine.name
        status.model_name = self.engine.model_name
        status.thinking = self.driver.settings.thinking
        status.state = "loading"
        await self.show_conversation(self.driver.conversation)
        self.driver.recording.start()
        # A played-back session needs no typing, and Space there pauses it.
        playback = hasattr(self.engine, "toggle_pause")
        self.query_one(ConversationView if playback else PromptInput).focus()
        self.set_interval(2.0, self._refresh_gpu)
        try:
            self.engine.start(self.bridge.sink)
        except Exception as exc:  # noqa: BLE001 - a broken engine must not end the app
            self.driver.state = "failed"
            self.driver.load_error = str(exc)
            self.show_load_failed(str(exc))

    def on_resize(self) -> None:
        self.set_class(self.size.width >= WIDE_COLUMNS, "-wide")

    # -- engine events, at most once a frame ----------------------------------------------

    async def on_engine_events_waiting(self, _: EngineEventsWaiting) -> None:
        if self._drain_timer is not None:
            return
        wait = self._last_drain + FRAME_S - time.monotonic()
        if wait > 0:
            self._drain_timer = self.set_timer(wait, self._apply_engine_events)
        else:
            await self._apply_engine_events()

    async def _apply_engine_events(self) -> None:
        self._drain_timer = None
        self._last_drain = time.monotonic()
        await self.driver.handle(self.bridge.drain())

    def drain_bridge(self) -> list[BridgedEvent]:
        """Take every engine event waiting now (Esc applies them before it stops a turn)."""
        return self.bridge.drain()

    # -- input ----------------------------------------------------------------------------

    async def on_prompt_input_submitted(self, event: PromptInput.Submitted) -> None:
        prompt = self.query_one(PromptInput)
        try:
            command = parse_command(event.text)
        except UnknownCommand as exc:
            self.notify(str(exc), severity="warning")
            return
        prompt.remember(event.text.strip())
        prompt.clear()
        if command is not None:
            await self.run_command(command)
        elif not await self.driver.send(event.text.strip()):
            self.restore_input(event.text)
        self.refresh_mode_hint()

    def on_text_area_changed(self) -> None:
        self.refresh_mode_hint()

    def on_user_turn_edit_requested(self, event: UserTurn.EditRequested) -> None:
        prompt = self.query_one(PromptInput)
        prompt.text = event.text
        prompt.move_cursor(prompt.document.end)
        prompt.focus()

    def restore_input(self, text: str) -> None:
        """Give a message that was not sent back to the input (if it is empty)."""
        prompt = self.query_one(PromptInput)
        if not prompt.text.strip():
            prompt.text = text
            prompt.move_cursor(prompt.document.end)
