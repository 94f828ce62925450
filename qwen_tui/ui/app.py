"""`ChatApp` and `run_chat_app`: the Textual application behind `qwen-chat`.

The app makes the engine, the MCP servers and the conversation core, shows the chat screen,
and asks before a quit would stop a reply. Its themes are `themed_app.py`, its entries in
the command palette `palette_commands.py`.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterable, Sequence

from textual.app import SystemCommand
from textual.screen import Screen

from qwen_tui.chat.messages import Conversation
from qwen_tui.config import Settings
from qwen_tui.conversation.core import ConversationCore
from qwen_tui.conversation.recording import RecorderFactory
from qwen_tui.conversation.regenerating import QueuedStep
from qwen_tui.conversation.tool_loop import ToolActivity
from qwen_tui.conversation.tool_runner import ToolRunner, ToolSink
from qwen_tui.engine.base import Engine
from qwen_tui.ui.palette_commands import chat_commands
from qwen_tui.ui.screens.chat_screen import ChatScreen
from qwen_tui.ui.screens.confirm_screen import ConfirmScreen
from qwen_tui.ui.screenshots import screenshot_dir
from qwen_tui.ui.themed_app import ThemedApp
from qwen_tui.ui.tool_servers import ToolServers
from qwen_tui.ui.tool_status import show_tools, start_tool_servers

ENGINE_GIL_WAIT_S = 0.0005
"""How long the UI thread may keep the GIL from the engine thread when both want it.
Python's default, 5 ms, is two decode steps at full speed: the GPU would idle while the
engine thread waited for the UI to finish a frame."""


ToolRunnerFactory = Callable[[ToolSink], ToolRunner | None]
"""Makes a tool runner that posts its results to the sink it is given."""


class ChatApp(ThemedApp):
    """The chat. The engine starts loading on its own thread as soon as the screen shows;
    everything it reports arrives as messages (see `engine_bridge.py`)."""

    CSS_PATH = "chat.tcss"
    TITLE = "qwen-chat"

    def __init__(
        self,
        settings: Settings,
        *,
        engine: Engine | None = None,
        conversation: Conversation | None = None,
        queued_prompts: Sequence[QueuedStep] = (),
        recorder_factory: RecorderFactory | None = None,
        tools: ToolRunnerFactory | None = None,
    ) -> None:
        """`engine` defaults to `create_engine(settings)`; `conversation` pre-fills the
        view (resume); `queued_prompts` are sent one after another as if typed (with
        `play`, its regenerations and choices of reply between them);
        `recorder_factory` defaults to saving a new session in the sessions directory;
        `tools` makes the runner of the model's tool calls from the sink its results go
        to (`play`: the recorded results), in place of the configured MCP servers."""
        super().__init__()
        if engine is None:
            from qwen_tui.engine.factory import create_engine

            engine = create_engine(settings)
        configured = settings.tools.servers and tools is None
        self.tool_servers = ToolServers(settings.tools) if configured else None
        """The configured MCP servers (None without any): they start when the app does."""
        if tools is not None:
            runner = tools(lambda finished: self.chat_screen.bridge.sink(finished))
        else:
            runner = self.tool_servers.runner if self.tool_servers else None
        self.core = ConversationCore(
            engine,
            settings,
            conversation,
            recorder_factory=recorder_factory or _default_recorder_factory(),
            queued=tuple(queued_prompts),
            tools=runner,
        )
        self._asking_to_quit = False
        self._register_themes(settings.theme)

    def get_default_screen(self) -> Screen:
        self.chat_screen = ChatScreen(self.core)
        return self.chat_screen

    def on_mount(self) -> None:
        self._switch_interval = sys.getswitchinterval()
        sys.setswitchinterval(ENGINE_GIL_WAIT_S)
        self._show_and_remember_themes()
        if self.tool_servers is not None:
            start_tool_servers(self, self.tool_servers, self.core, self.chat_screen)

    def action_show_tools(self) -> None:
        """/tools: the tools on offer and the servers that failed."""
        show_tools(self, self.core, self.tool_servers)

    def get_system_commands(self, screen: Screen) -> Iterable[SystemCommand]:
        yield from super().get_system_commands(screen)
        if isinstance(screen, ChatScreen):
            yield from chat_commands(self, screen)

    async def action_quit(self) -> None:
        """Ctrl+Q or /quit. While a reply streams or a tool call runs, ask first (Ctrl+Q
        again, or Y, quits): the reply so far is saved in the session, marked cancelled,
        and the call is cancelled, its result saying so, when the app closes. A
        played-back session, which loses nothing, quits at once."""
        question = _quit_question(self.core)
        if question is None or self._asking_to_quit or self.core.engine.playback is not None:
            self.exit()
            return
        self._asking_to_quit = True

        def answered(quit_now: bool | None) -> None:
            self._asking_to_quit = False
            if quit_now:
                self.exit()

        screen = ConfirmScreen("Quit qwen-chat", question, yes="Quit", no="Stay")
        self.push_screen(screen, answered)

    def deliver_screenshot(
        self, filename: str | None = None, path: str | None = None, time_format: str | None = None
    ) -> str | None:
        """The palette's Screenshot: into a folder that exists (Textual's default, the
        Downloads folder, is missing on most servers); the notice says where."""
        if path is None:
            try:
                path = str(screenshot_dir())
            except OSError as exc:
                self.notify(f"No folder to save the screenshot in: {exc}", severity="error")
                return None
        return super().deliver_screenshot(filename, path, time_format)

    def on_unmount(self) -> None:
        self.core.close()  # saves a reply still streaming, marked cancelled
        self.core.engine.close()  # the one in use: /model may have changed it
        if self.tool_servers is not None:
            self.tool_servers.close()
        sys.setswitchinterval(self._switch_interval)


def _quit_question(core: ConversationCore) -> str | None:
    """What quitting now would stop, as a question; None when it stops nothing."""
    again = "Quit anyway? (Ctrl+Q again quits.)"
    if core.live is not None:
        saved = " What it wrote so far is saved, marked cancelled." if core.recorder else ""
        return f"A reply is still being written.{saved} {again}"
    if core.tool_activity is ToolActivity.RUNNING:
        return f"A tool call is still running; quitting cancels it. {again}"
    return None


def _default_recorder_factory() -> RecorderFactory:
    """Save every conversation as a new session in the sessions directory."""
    from qwen_tui.conversation.opening import new_sessions
    from qwen_tui.sessions import SessionStore

    return new_sessions(SessionStore())


def run_chat_app(
    settings: Settings,
    *,
    engine: Engine | None = None,
    conversation: Conversation | None = None,
    queued_prompts: Sequence[QueuedStep] = (),
    recorder_factory: RecorderFactory | None = None,
    tools: ToolRunnerFactory | None = None,
) -> None:
    """Run the chat in this terminal until the user quits."""
    ChatApp(
        settings,
        engine=engine,
        conversation=conversation,
        queued_prompts=queued_prompts,
        recorder_factory=recorder_factory,
        tools=tools,
    ).run()
