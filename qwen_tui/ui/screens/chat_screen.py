"""The main screen: the conversation, the load bar, the input, the status line.

The screen starts the engine, hands the `TurnDriver` what is typed and what the engine
sends (at most once a frame), and runs the app commands; its keys are `ChatKeys`'. What
it shows is kept by the `ChatView`; the conversation itself is the `ConversationCore`'s.
"""

from __future__ import annotations

import time

from textual.app import ComposeResult
from textual.timer import Timer
from textual.widgets import Footer

from qwen_tui.conversation import forking
from qwen_tui.conversation.core import ConversationCore, EngineState
from qwen_tui.conversation.model_switch import ModelSwitch
from qwen_tui.ui import slash_commands
from qwen_tui.ui.app_commands import CLEAR_SYSTEM, CommandLine, UnknownCommand, parse_command
from qwen_tui.ui.chat_view import ChatView
from qwen_tui.ui.count_ahead import CountAhead
from qwen_tui.ui.engine_bridge import EngineBridge, EngineEventsWaiting
from qwen_tui.ui.file_command import attach_to_input
from qwen_tui.ui.message_edit import EditedMessage
from qwen_tui.ui.model_command import run_model
from qwen_tui.ui.save_command import save_conversation
from qwen_tui.ui.screens.chat_keys import ChatKeys
from qwen_tui.ui.set_command import run_set
from qwen_tui.ui.turn_driver import TurnDriver
from qwen_tui.ui.widgets.conversation_view import ConversationView
from qwen_tui.ui.widgets.load_bar import LoadBar
from qwen_tui.ui.widgets.prompt_input import PromptInput
from qwen_tui.ui.widgets.status_bar import StatusBar
from qwen_tui.ui.widgets.user_turn import UserTurn

WIDE_COLUMNS = 120
"""From this width on, thinking panes sit beside their answers instead of above them."""
ROOMY_COLUMNS = 100
"""Below this width the footer is compact and leaves out the palette's key (Ctrl+P still
works), so every key it lists fits."""
FRAME_S = 1 / 30
"""Engine events are applied at most this often, however fast tokens come."""


class ChatScreen(ChatKeys):
    """The conversation, the load bar, the input and the status line."""

    def __init__(self, core: ConversationCore) -> None:
        super().__init__()
        self.core = core
        self.bridge = EngineBridge(self)
        self.view = ChatView(
            core,
            ConversationView(id="conversation"),
            LoadBar(id="load-bar"),
            PromptInput(id="prompt"),  # its history comes with the conversation, on mount
            StatusBar(id="status"),
        )
        self._last_drain = 0.0
        self._drain_timer: Timer | None = None
        self._count_ahead = CountAhead(self, core)

    def compose(self) -> ComposeResult:
        view = self.view
        yield from (view.turns, view.load_bar, view.edit.banner, view.prompt, view.status)
        yield Footer()

    async def on_mount(self) -> None:
        self._fit_width(self.app.size.width)
        models = ModelSwitch(self.core, lambda engine: engine.start(self.bridge.sink))
        self.driver = TurnDriver(self.core, self.view, self.app, self.bridge, models)
        await self.view.show_conversation(self.core.conversation)
        if self.view.playback:
            # A played-back session takes no typing, and Space there pauses it.
            self.view.prompt.read_only = True
            self.view.turns.focus()
        self.set_interval(2.0, self.view.refresh_memory)
        try:
            self.core.engine.start(self.bridge.sink)
        except Exception as exc:  # noqa: BLE001 - a broken engine must not end the app
            self.core.state = EngineState.FAILED
            self.core.load_error = str(exc)
            self.view.show_load_failed()

    def on_resize(self) -> None:
        self._fit_width(self.size.width)

    def _fit_width(self, width: int) -> None:
        self.set_class(width >= WIDE_COLUMNS, "-wide")
        footer = self.query_one(Footer)
        footer.compact = width < ROOMY_COLUMNS
        footer.show_command_palette = width >= ROOMY_COLUMNS

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
        if self.driver.holding_a_turn:  # a frame later: waiting here would hold keys and Esc
            self._drain_timer = self.set_timer(FRAME_S, self._apply_engine_events)
            return
        self._last_drain = time.monotonic()
        was_busy = self.core.busy
        await self.driver.handle(self.bridge.drain())
        if was_busy and not self.core.busy:  # what was typed meanwhile goes out next
            self._draft_changed()

    # -- input ----------------------------------------------------------------------------

    async def on_prompt_input_submitted(self, event: PromptInput.Submitted) -> None:
        prompt = self.view.prompt
        try:
            command = parse_command(event.text)
        except UnknownCommand as exc:
            self.notify(str(exc), severity="warning", markup=False)
            return
        self.view.remember_prompt(event.text.strip())
        prompt.clear()
        edited = self.view.edit.finish() if command is None else None
        if command is not None:
            await self.run_command(command)
        elif edited is not None:
            await self.driver.edit_and_fork(edited.number, edited.dropped, event.text.strip())
        else:
            await self.driver.send(event.text.strip())
        self.view.refresh_mode_hint()

    def on_text_area_changed(self) -> None:
        self.view.refresh_mode_hint()
        self._draft_changed()

    def _draft_changed(self) -> None:
        if not self.view.edit.active:  # an edit goes out as a fork, counted then
            self._count_ahead.draft_changed(self.view.prompt.text)

    def on_user_turn_edit_requested(self, event: UserTurn.EditRequested) -> None:
        """E on a message: edit it in the input, to send as a fork (or say why not now)."""
        number, dropped = self.view.turns.user_number(event.turn)
        why = forking.why_not(self.core, number, dropped)
        if why:
            self.notify(why, severity="warning", markup=False)
            return
        core = self.core
        thinking = forking.thinking_of_edit(core.conversation, number, core.settings, dropped)
        self.view.edit.begin(EditedMessage(number, dropped, thinking), event.text)
        self.view.refresh_mode_hint()

    async def run_command(self, line: CommandLine) -> None:
        """Run a parsed `/command`."""
        name, argument = line.command.name, line.argument
        recorder = self.core.recorder
        if name in ("new", "clear"):
            await self.action_new_conversation()
        elif name == "help":
            self.action_help()
        elif name == "sessions":
            self.action_sessions()
        elif name == "copy":
            self.action_copy_last()
        elif name == "continue":
            await self.action_continue_reply()
        elif name == "retry":
            await self.action_regenerate()
        elif name == "quit":
            await self.app.run_action("quit")
        elif name == "theme":
            slash_commands.set_theme(self.app, argument)
        elif name == "save":
            save_conversation(self, recorder, argument)
        elif name == "title":
            slash_commands.name_session(self.app, recorder, argument)
        elif name == "system" and argument:
            text = "" if argument == CLEAR_SYSTEM else argument
            await self.driver.apply(self.core.set_system_prompt(text))
        elif name == "system":
            slash_commands.show_system_prompt(self.app, self.core.conversation.system_prompt)
        elif name == "tools":
            await self.app.run_action("show_tools")
        elif name == "edit":
            self.edit_message(argument)
        elif name == "file":
            attach_to_input(self.app, self.core, self.view.prompt, argument)
        elif name == "set":
            await run_set(self.driver, argument)
        elif name == "model":
            await run_model(self, self.driver, argument)
