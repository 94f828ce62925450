"""What the chat screen's keys and slash commands do (a mixin of `ChatScreen`)."""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

from qwen_tui.ui.app_commands import CommandLine
from qwen_tui.ui.screens.help_screen import HelpScreen
from qwen_tui.ui.screens.sessions_screen import SessionsScreen
from qwen_tui.ui.widgets.assistant_turn import AssistantTurn
from qwen_tui.ui.widgets.conversation_view import ConversationView
from qwen_tui.ui.widgets.status_bar import StatusBar

if TYPE_CHECKING:
    from qwen_tui.ui.screens.chat_screen import ChatScreen

    _Base = ChatScreen
else:
    _Base = object


class ChatActions(_Base):
    """Key actions (`action_*`, bound in `keymap.CHAT_BINDINGS`) and `/commands`."""

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "cancel":
            # Esc only means "stop" while a reply streams; otherwise it is left alone.
            return self.driver.live is not None
        if action == "toggle_playback":
            return hasattr(self.engine, "toggle_pause")
        if action == "sessions":
            # A played-back session is shown, not continued: nothing could be appended.
            return not hasattr(self.engine, "toggle_pause")
        return True

    def action_toggle_playback(self) -> None:
        """Space during `qwen-chat play`: hold or continue the recorded session."""
        paused = self.engine.toggle_pause()  # type: ignore[attr-defined]
        self.query_one(StatusBar).state = "paused" if paused else "playing"
        self.notify("Playback paused; Space resumes." if paused else "Playback resumed.")

    def action_toggle_thinking(self) -> None:
        """Ctrl+T: the hard switch for the turns that follow."""
        settings = self.driver.settings
        self.driver.settings = replace(settings, thinking=not settings.thinking)
        self.query_one(StatusBar).thinking = self.driver.settings.thinking
        self.refresh_context()
        state = "on" if self.driver.settings.thinking else "off"
        self.notify(f"Thinking {state} for the next messages.")

    async def action_cancel(self) -> None:
        """Esc: stop the reply now; what streamed so far stays, marked cancelled."""
        await self.driver.cancel()

    def action_toggle_pane(self) -> None:
        """Open or fold the thinking of the focused reply, else of the latest one."""
        focused = self.app.focused
        while focused is not None and not isinstance(focused, AssistantTurn):
            focused = focused.parent  # type: ignore[assignment]
        turns = [t for t in self._turns() if t.thinking.display]
        target = focused if isinstance(focused, AssistantTurn) else (turns[-1] if turns else None)
        if target is not None:
            target.action_toggle_thinking()

    def action_toggle_all_panes(self) -> None:
        """Open every thinking pane, or fold them all if all are open."""
        panes = [t.thinking for t in self._turns() if t.thinking.display]
        expand = not all(pane.expanded for pane in panes)
        for pane in panes:
            pane.expanded = expand

    def action_copy_last(self) -> None:
        """Copy the latest answer (the one streaming, if any) to the clipboard."""
        turns = self._turns()
        text = turns[-1].answer.text if turns else ""
        if not text:
            self.notify("There is no answer to copy yet.", severity="warning")
            return
        self.app.copy_to_clipboard(text)
        self.notify(f"Copied the last answer ({len(text):,} characters).")

    async def action_new_conversation(self) -> None:
        """Ctrl+N: a new conversation (and a new session file)."""
        await self.driver.new_conversation()
        self.notify("New conversation.")

    def action_help(self) -> None:
        self.app.push_screen(HelpScreen())

    def action_sessions(self) -> None:
        """F4: the saved sessions, to open, rename or delete one."""
        from qwen_tui.sessions import SessionStore

        if not self.check_action("sessions", ()):
            self.notify("Sessions cannot be opened while one is played back.")
            return

        screen = SessionsScreen(
            SessionStore(), current=self.driver.recorder, open_session=self.open_session
        )
        self.app.push_screen(screen)

    async def open_session(self, session_id: str) -> bool:
        """Show `session_id` here and append what follows to it, as `qwen-chat resume`
        does; False, with a notice, if it is locked by another process or unreadable."""
        from qwen_tui.sessions import SessionError, SessionStore
        from qwen_tui.sessions.continuing import continue_session
        from qwen_tui.sessions.records import engine_identity

        settings = self.driver.settings
        engine_name, model_name = engine_identity(settings, self.engine)
        try:
            continued = continue_session(
                SessionStore(), session_id, settings, engine_name=engine_name, model_name=model_name
            )
        except (SessionError, OSError) as exc:
            self.notify(str(exc), title="Sessions", severity="error", timeout=10)
            return False
        self.driver.settings = continued.settings
        await self.driver.continue_session(continued.session.conversation, continued.recorder)
        for warning in continued.session.warnings:
            self.notify(warning, title="Sessions", severity="warning", timeout=10)
        self.notify(f"Continuing “{continued.session.title}”.")
        return True

    def _turns(self) -> list[AssistantTurn]:
        return self.query_one(ConversationView).assistant_turns()

    # -- slash commands -------------------------------------------------------------------

    async def run_command(self, line: CommandLine) -> None:
        """Run a parsed `/command`."""
        name, argument = line.command.name, line.argument
        if name in ("new", "clear"):
            await self.action_new_conversation()
        elif name == "help":
            self.action_help()
        elif name == "sessions":
            self.action_sessions()
        elif name == "copy":
            self.action_copy_last()
        elif name == "quit":
            self.app.exit()
        elif name == "theme":
            self._command_theme(argument)
        elif name == "save":
            self._command_save(argument)
        elif name == "title":
            self._command_title(argument)

    def _command_theme(self, name: str) -> None:
        themes = sorted(self.app.available_themes)
        if not name:
            self.notify("Themes: " + ", ".join(themes), title=f"Theme: {self.app.theme}")
        elif name not in themes:
            self.notify(f"No theme {name!r}; /theme lists them.", severity="warning")
        else:
            self.app.theme = name

    def _command_save(self, target: str) -> None:
        from qwen_tui.ui.save_command import save_conversation

        save_conversation(self, self.driver.recorder, target)

    def _command_title(self, title: str) -> None:
        recorder = self.driver.recorder
        if not title.strip():
            self.notify("Usage: /title TEXT", severity="warning")
        elif recorder is None:
            self.notify("This conversation is not being saved.", severity="warning")
        else:
            try:
                recorder.rename(title)
            except (OSError, ValueError) as exc:
                self.notify(f"Could not rename the session: {exc}", severity="error")
                return
            self.notify(f"Session named {title.strip()!r}.")
