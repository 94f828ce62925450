"""Every key of the app in one place: the chat screen's bindings and the help table.

The help screen (F1) and the README list `help_rows()`; a test checks that every binding
the app has appears there, so the documentation cannot fall behind the keys.
"""

from __future__ import annotations

from dataclasses import dataclass

from textual.binding import Binding


@dataclass(frozen=True)
class KeyHelp:
    """One row of the key table: the keys as shown, where they work, what they do."""

    keys: str
    where: str
    does: str


CHAT_BINDINGS: list[Binding] = [
    # Help first: the footer cuts off what does not fit on a narrow terminal.
    Binding("f1", "help", "Help", tooltip="this help"),
    Binding(
        "escape",
        "cancel",
        "Stop",
        tooltip="stop the reply now (its text so far is kept), or the tool call running",
    ),
    Binding(
        "escape",
        "cancel_edit",
        "Cancel edit",
        tooltip="while you edit a message (E): cancel the edit, the input as it was before",
    ),
    Binding("ctrl+t", "toggle_thinking", "Thinking", tooltip="thinking on/off for the next turns"),
    Binding(
        "ctrl+o", "toggle_pane", "Thoughts", tooltip="open/fold the latest (or focused) thinking"
    ),
    Binding(
        "f3",
        "toggle_all_panes",
        "All thoughts",
        show=False,  # so the footer's keys fit 80 columns, Esc included; F1 lists it
        tooltip="open/fold every thinking pane",
    ),
    Binding("f2", "copy_last", "Copy", tooltip="copy the last answer to the clipboard"),
    Binding(
        "ctrl+e",
        "compose_in_editor",
        "Editor",
        show=False,
        priority=True,  # the input would take it to go to the end of the line
        tooltip="write the message in $EDITOR (else $VISUAL, nano or vi); it comes back "
        "to the input, not sent",
    ),
    Binding(
        "ctrl+r",
        "regenerate",
        "Retry",
        show=False,  # the footer keeps to 80 columns; F1 lists it
        tooltip="regenerate the last reply; the earlier one is kept (← → on the reply)",
    ),
    Binding("ctrl+n", "new_conversation", "New", tooltip="new conversation (and session)"),
    Binding("f4", "sessions", "Sessions", tooltip="saved sessions: open, rename or delete one"),
    Binding("space", "toggle_playback", "Pause", tooltip="pause/resume qwen-chat play"),
    Binding(
        "ctrl+c",
        "interrupt",
        "Stop",
        show=False,
        tooltip="stop the reply, as Esc does; with text selected, copy it",
    ),
    # Priority: the input would take them to move its cursor otherwise.
    Binding(
        "pageup",
        "scroll_conversation('page_up')",
        show=False,
        priority=True,
        tooltip="scroll the conversation up a page",
    ),
    Binding(
        "pagedown",
        "scroll_conversation('page_down')",
        show=False,
        priority=True,
        tooltip="scroll the conversation down a page",
    ),
    Binding(
        "ctrl+home",
        "scroll_conversation('top')",
        show=False,
        priority=True,
        tooltip="scroll to the first message",
    ),
    Binding(
        "ctrl+end",
        "scroll_conversation('bottom')",
        show=False,
        priority=True,
        tooltip="scroll to the newest message and follow it",
    ),
]
_WHERE = {"space": "not in the input"}

SESSIONS_BINDINGS: list[Binding] = [
    Binding("slash", "search", "Search", show=False, tooltip="search the sessions as you type"),
    Binding("r", "rename", "Rename", show=False, tooltip="rename the highlighted session"),
    Binding("d,delete", "delete", "Delete", show=False, tooltip="delete it (after a confirmation)"),
    Binding("escape,f4,q", "dismiss(None)", "Close", show=False, tooltip="back to the chat"),
]
_SESSIONS_WHERE = "sessions screen"

_WHERE_ANYWHERE = "anywhere"

_GLOBAL_ROWS = [
    KeyHelp("Ctrl+P", _WHERE_ANYWHERE, "command palette: app commands and themes"),
    KeyHelp("Ctrl+Q", _WHERE_ANYWHERE, "quit (asks first while a reply streams or a tool runs)"),
    KeyHelp("Tab / Shift+Tab", _WHERE_ANYWHERE, "move between the input and the messages"),
]

_INPUT_ROWS = [
    KeyHelp("Enter", "input", "send the message (or run a /command)"),
    KeyHelp("Shift+Enter, Ctrl+J", "input", "new line (Shift+Enter where the terminal reports it)"),
    KeyHelp("Up / Down", "input", "at the first or last line: earlier prompts"),
]

_MESSAGE_ROWS = [
    KeyHelp("Enter, T", "reply", "open/fold its thinking"),
    KeyHelp("Enter", "thinking pane", "open/fold it (a click does too)"),
    KeyHelp("C, Y", "any message", "copy it to the clipboard"),
    KeyHelp("R", "reply", "regenerate it, if it is the last one (as Ctrl+R)"),
    KeyHelp("← / →", "reply", "its previous or next version, once regenerated (◂ 2/3 ▸)"),
    KeyHelp("C, Y", "thinking pane", "copy its thinking"),
    KeyHelp("C, Y", "code block", "copy its code, without the fences (a click on ⧉ copy does too)"),
    KeyHelp(
        "E",
        "your message",
        "edit it in the input; Enter sends it as a new session (a fork) that goes on "
        "from there, the history before it copied; the original stays as it was",
    ),
    KeyHelp("Enter", "tool call", "open/fold its result (a click does too)"),
]

_TOOL_APPROVAL = "tool approval"
_TOOL_ROWS = [
    KeyHelp("Y", _TOOL_APPROVAL, "run the tool call once"),
    KeyHelp("A", _TOOL_APPROVAL, "run it, and this tool's later calls in this conversation"),
    KeyHelp("N, Esc", _TOOL_APPROVAL, "deny it (the model is told); Enter alone denies too"),
]


def key_display(key: str) -> str:
    """`ctrl+t` as `Ctrl+T`, `escape` as `Esc`, `f1` as `F1`, `d,delete` as `D, Delete`."""
    names = {
        "escape": "Esc",
        "enter": "Enter",
        "pageup": "PageUp",
        "pagedown": "PageDown",
        "slash": "/",
    }
    return ", ".join(
        "+".join(names.get(part, part.capitalize()) for part in one.split("+"))
        for one in key.split(",")
    )


def help_rows() -> list[KeyHelp]:
    """Every key of the app, in the order the help screen shows them."""
    chat = [
        KeyHelp(key_display(b.key), _WHERE.get(b.key, _WHERE_ANYWHERE), b.tooltip or b.description)
        for b in CHAT_BINDINGS
    ]
    sessions = [
        KeyHelp(key_display(b.key), _SESSIONS_WHERE, b.tooltip or b.description)
        for b in SESSIONS_BINDINGS
    ]
    open_row = KeyHelp("Enter", _SESSIONS_WHERE, "open the session and go on with it here")
    return chat + _GLOBAL_ROWS + _INPUT_ROWS + _MESSAGE_ROWS + _TOOL_ROWS + [open_row, *sessions]
