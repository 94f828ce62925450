"""The chat's entries in the command palette (Ctrl+P), beside Textual's own.

Each entry is a key or a slash command the chat has, named for the palette's search; the
ones that change the conversation are left out while a recorded session plays back.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING

from textual.app import App, SystemCommand

from qwen_tui.chat.terminal_text import visible_controls
from qwen_tui.ui.file_command import start_file_command
from qwen_tui.ui.model_command import run_model
from qwen_tui.ui.screens.chat_screen import ChatScreen
from qwen_tui.ui.set_command import show_tuning
from qwen_tui.ui.slash_commands import show_system_prompt

if TYPE_CHECKING:  # the app lists these in its palette
    from qwen_tui.ui.app import ChatApp


def chat_commands(app: ChatApp, screen: ChatScreen) -> Iterator[SystemCommand]:
    """The palette's entries for the chat on `screen`."""
    if screen.check_action("new_conversation", ()):  # not while playing one back
        yield SystemCommand(
            "New conversation", "Start over (Ctrl+N)", screen.action_new_conversation
        )
        yield SystemCommand(
            "Thinking on/off",
            "The hard switch for the next turns (Ctrl+T)",
            screen.action_toggle_thinking,
        )
        yield SystemCommand(
            "Edit your last message",
            "Send it again, edited, as a new session: a fork (E on any message)",
            screen.action_edit_last_message,
        )
        yield SystemCommand(
            "Continue the last reply",
            "Go on with a reply cut off by Esc or the length limit (/continue)",
            screen.action_continue_reply,
        )
        yield SystemCommand(
            "Write the message in your editor",
            "$EDITOR, then back to the input (Ctrl+E)",
            screen.action_compose_in_editor,
        )
        yield SystemCommand(
            "Attach a file",
            "Put a text file into the message: type its path after /file",
            lambda: start_file_command(screen.view.prompt),
        )
        yield SystemCommand(
            "Regenerate the last reply",
            "Answer the last message again, keeping the reply it had (Ctrl+R, /retry)",
            screen.action_regenerate,
        )
    yield SystemCommand("Copy last answer", "To the clipboard (F2)", screen.action_copy_last)
    yield SystemCommand(
        "Open/fold all thoughts", "Every thinking pane (F3)", screen.action_toggle_all_panes
    )
    if screen.check_action("sessions", ()):
        yield SystemCommand(
            "Sessions", "Open, rename or delete a saved session (F4)", screen.action_sessions
        )
    yield SystemCommand(
        "System prompt",
        "Show the one the next turns send (/system TEXT sets it)",
        lambda: show_system_prompt(app, screen.core.conversation.system_prompt),
    )
    if screen.check_action("new_conversation", ()):
        yield SystemCommand(
            "Sampling settings",
            "The next turn's values and where each came from (/set NAME VALUE changes one)",
            lambda: show_tuning(screen.driver),
        )
        yield SystemCommand(
            "Model",
            "The model in use, or the server's models (/model NAME switches)",
            lambda: run_model(screen, screen.driver, ""),
        )
    yield SystemCommand(
        "Tools",
        "The MCP tools the model may call, and servers that failed (/tools)",
        app.action_show_tools,
    )
    yield SystemCommand("Help", "Keys and commands (F1)", screen.action_help)
    for name in app.bundled_theme_names:
        # A user theme's name comes from its file: shown with its controls as marks.
        title = f"Theme: {visible_controls(name)}"
        yield SystemCommand(title, "Switch and remember", _set_theme(app, name))


def _set_theme(app: App, name: str) -> Callable[[], None]:
    def apply() -> None:
        app.theme = name

    return apply
