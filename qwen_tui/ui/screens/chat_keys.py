"""The chat screen's keys: what each binding of `keymap.CHAT_BINDINGS` does.

`ChatScreen` inherits these; they act through its conversation core, its `ChatView` and
its `TurnDriver`.
"""

from __future__ import annotations

from typing import ClassVar

from textual.actions import SkipAction
from textual.binding import BindingType
from textual.screen import Screen

from qwen_tui.conversation.core import ConversationCore
from qwen_tui.conversation.tool_loop import ToolActivity
from qwen_tui.ui.chat_view import ChatView
from qwen_tui.ui.editor_compose import compose_in_editor
from qwen_tui.ui.keymap import CHAT_BINDINGS
from qwen_tui.ui.screens.help_screen import HelpScreen
from qwen_tui.ui.screens.sessions_screen import SessionsScreen
from qwen_tui.ui.turn_driver import TurnDriver
from qwen_tui.ui.widgets.assistant_turn import AssistantTurn
from qwen_tui.ui.widgets.user_turn import UserTurn


class ChatKeys(Screen[None]):
    """The key actions of the chat screen."""

    BINDINGS: ClassVar[list[BindingType]] = list(CHAT_BINDINGS)

    core: ConversationCore
    view: ChatView
    driver: TurnDriver

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "cancel":
            # Esc only means "stop" while a reply streams or its tool calls run.
            return self.core.live is not None or self.core.tool_activity is not ToolActivity.NONE
        if action == "cancel_edit":
            return self.view.edit.active
        playback = self.view.playback
        if action == "toggle_playback":
            return playback
        if action in (
            "sessions",
            "new_conversation",
            "toggle_thinking",
            "continue_reply",
            "regenerate",
        ):
            # A played-back session is shown, not continued: nothing goes to a model.
            return not playback
        if action == "compose_in_editor":
            return not playback  # a played-back session's input is read-only
        return True

    def action_toggle_playback(self) -> None:
        """Space during `qwen-chat play`: hold or continue the recorded session."""
        controls = self.core.engine.playback
        if controls is None:
            return
        paused = controls.toggle_pause()
        playing = "playing" if self.core.busy or self.core.pending else "ready"
        self.view.status.state = "paused" if paused else playing
        self.notify("Playback paused; Space resumes." if paused else "Playback resumed.")

    async def action_toggle_thinking(self) -> None:
        """Ctrl+T: the hard switch for the turns that follow."""
        await self.driver.toggle_thinking()

    async def action_cancel(self) -> None:
        """Esc: stop the reply now; what streamed so far stays, marked cancelled. A tool
        call running is cancelled, and the turn ends."""
        await self.driver.cancel()

    def action_cancel_edit(self) -> None:
        """Esc while a message is edited: no edit, the input as it was before."""
        self.view.edit.cancel()
        self.view.refresh_mode_hint()

    def action_edit_last_message(self) -> None:
        """The palette's "Edit your last message": E on it, to send it again as a fork."""
        self.edit_message("")

    def edit_message(self, number: str) -> None:
        """`/edit [N]`: E on your message N as the chat numbers them (from 1; "": the
        last), or one line saying why there is none."""
        turns = list(self.view.turns.query_children(UserTurn))
        if not turns:
            self.notify("There is no message of yours to edit yet.", severity="warning")
            return
        if not number:
            turns[-1].action_edit()
            return
        if not number.isdigit() or not 1 <= int(number) <= len(turns):
            self.notify(
                f"/edit takes the number of one of your {len(turns)} messages, "
                f"from 1 to {len(turns)} (/edit alone: the last).",
                severity="warning",
                markup=False,
            )
            return
        turns[int(number) - 1].action_edit()

    async def action_interrupt(self) -> None:
        """Ctrl+C: copy the selected text if any (the input copies its own first), else
        stop the reply as Esc does, else Textual's reminder of how to quit."""
        selected = self.get_selected_text()
        if selected:
            self.app.copy_to_clipboard(selected)
        elif self.core.live is not None or self.core.tool_activity is not ToolActivity.NONE:
            await self.driver.cancel()
        else:
            raise SkipAction()

    def action_scroll_conversation(self, where: str) -> None:
        """PageUp/PageDown and Ctrl+Home/End, wherever the focus is."""
        turns = self.view.turns
        if where == "page_up":
            turns.scroll_page_up()
        elif where == "page_down":
            turns.scroll_page_down()
        elif where == "top":
            turns.scroll_home(animate=False)
        else:
            turns.anchor()  # and follow the reply again

    def action_toggle_pane(self) -> None:
        """Open or fold the thinking of the focused reply, else of the latest one."""
        self.view.turns.toggle_thinking(self.app.focused)

    def action_toggle_all_panes(self) -> None:
        """Open every thinking pane, or fold them all if all are open."""
        self.view.turns.toggle_all_thinking()

    def action_copy_last(self) -> None:
        """Copy the latest answer (the one streaming, if any) to the clipboard."""
        text = self.view.turns.last_answer()
        if not text:
            self.notify("There is no answer to copy yet.", severity="warning")
            return
        self.app.copy_to_clipboard(text)
        self.notify(f"Copied the last answer ({len(text):,} characters).")

    def action_compose_in_editor(self) -> None:
        """Ctrl+E: write the message in $EDITOR; it comes back to the input, not sent."""
        compose_in_editor(self.app, self.view.prompt)

    async def action_continue_reply(self) -> None:
        """/continue: go on with the last reply, cut off by Esc or the length limit."""
        await self.driver.continue_reply()

    async def action_regenerate(self) -> None:
        """Ctrl+R, /retry: answer the last message again; its reply is kept as a version."""
        await self.driver.regenerate()

    async def on_assistant_turn_regenerate_requested(
        self, event: AssistantTurn.RegenerateRequested
    ) -> None:
        """R on a reply: only the last one can be made again."""
        if self.view.playback:
            return
        if self.view.turns.turns_back_of(event.turn) > 0:
            self.notify("Only the last reply can be regenerated.", severity="warning")
            return
        await self.driver.regenerate()

    async def on_assistant_turn_switch_requested(
        self, event: AssistantTurn.SwitchRequested
    ) -> None:
        """← → on a reply: its previous or next version."""
        turns_back = self.view.turns.turns_back_of(event.turn)
        await self.driver.show_reply(turns_back, event.step)

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
            SessionStore(), current=self.core.recorder, open_session=self.driver.open_session
        )
        self.app.push_screen(screen)
