"""Slash commands typed in the input, kept apart from the model's own soft switches.

`/think` and `/no_think` are the model's protocol: a line starting with them is a message
and goes to the model as typed. App commands have other names. An unknown `/word` is
refused with a hint instead of being sent, so a typo never reaches the model by accident;
a line that starts with a space is always sent as a message.
"""

from __future__ import annotations

from dataclasses import dataclass

SOFT_SWITCHES = ("/think", "/no_think")
CLEAR_SYSTEM = "--clear"
"""`/system --clear`: no system prompt from now on."""


@dataclass(frozen=True)
class AppCommand:
    """A command the app runs itself."""

    name: str
    usage: str
    does: str


APP_COMMANDS = (
    AppCommand("new", "/new", "start a new conversation (also Ctrl+N)"),
    AppCommand("clear", "/clear", "same as /new: clear the screen and the history"),
    AppCommand("help", "/help", "keys and commands (also F1)"),
    AppCommand("theme", "/theme [NAME]", "switch the colour theme (no name: list them)"),
    AppCommand("copy", "/copy", "copy the last answer (also F2)"),
    AppCommand(
        "continue", "/continue", "go on with the last reply, cut off by Esc or the length limit"
    ),
    AppCommand("retry", "/retry", "regenerate the last reply, keeping the earlier one (Ctrl+R)"),
    AppCommand(
        "save",
        "/save [FILE]",
        "write the session to FILE (.md or .json; default ./ID.md); asks before replacing one",
    ),
    AppCommand("title", "/title TEXT", "name this session"),
    AppCommand(
        "edit",
        "/edit [N]",
        "edit your message N (alone: the last) in the input; Enter sends it as a fork",
    ),
    AppCommand(
        "file",
        "/file PATH",
        "put a text file into the input as a fenced block, to write around and send",
    ),
    AppCommand(
        "system",
        "/system [TEXT|--clear]",
        "set the system prompt for the next turns (--clear: none; no text: show it)",
    ),
    AppCommand(
        "set",
        "/set [NAME VALUE]",
        "change temperature, top_p, top_k, min_p, presence_penalty, max_new_tokens or "
        "thinking_budget for this conversation (VALUE default: undo; alone: every value and "
        "where it came from)",
    ),
    AppCommand(
        "model",
        "/model [NAME]",
        "go on with another model (local: a directory or hub id; openai: one the server "
        "serves); alone: the server's models, or the one loaded",
    ),
    AppCommand("tools", "/tools", "the MCP tools the model may call, and servers that failed"),
    AppCommand("sessions", "/sessions", "saved sessions: open, rename, delete (also F4)"),
    AppCommand("quit", "/quit", "leave (also Ctrl+Q)"),
)
_BY_NAME = {command.name: command for command in APP_COMMANDS}


@dataclass(frozen=True)
class CommandLine:
    """A parsed app command and the rest of its line."""

    command: AppCommand
    argument: str


class UnknownCommand(ValueError):
    """The line starts with a `/word` that is neither a command nor a soft switch."""


def parse_command(line: str) -> CommandLine | None:
    """The app command `line` runs, or None when `line` is a message for the model.

    Raises UnknownCommand (with a one-line message) for an unknown `/word`.
    """
    if not line.startswith("/"):
        return None
    word, *rest = line.split(maxsplit=1)
    if word in SOFT_SWITCHES:
        return None
    command = _BY_NAME.get(word[1:].lower())
    if command is None:
        raise UnknownCommand(
            f"Unknown command {word}: /help lists the commands; "
            "start the line with a space to send it to the model as it is."
        )
    return CommandLine(command, rest[0].strip() if rest else "")
