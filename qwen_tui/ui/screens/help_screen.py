"""F1: every key and every app command, generated from the keymap and the command table."""

from __future__ import annotations

from rich.console import Group
from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

from qwen_tui.ui.app_commands import APP_COMMANDS, SOFT_SWITCHES
from qwen_tui.ui.keymap import help_rows

THINKING_NOTE = (
    "{think} and {no_think} anywhere in a message are Qwen3's own soft switches: they go "
    "to the model as written and pick the mode of that turn and the ones after it (the "
    "latest wins). They work only while thinking is on; Ctrl+T is the hard switch. The "
    "line under the input shows the mode your message will run in."
)


def help_tables() -> Group:
    """The help sheet: the key table, the command table and a note on thinking."""
    keys = Table(title="Keys", title_justify="left", expand=True)
    keys.add_column("key", style="bold", no_wrap=True)
    keys.add_column("where", style="dim", no_wrap=True)
    keys.add_column("what it does")
    for row in help_rows():
        keys.add_row(row.keys, row.where, row.does)
    commands = Table(title="Commands", title_justify="left", expand=True)
    commands.add_column("command", style="bold", no_wrap=True)
    commands.add_column("what it does")
    for command in APP_COMMANDS:
        commands.add_row(command.usage, command.does)
    think, no_think = SOFT_SWITCHES
    note = Text(THINKING_NOTE.format(think=think, no_think=no_think))
    close = Text("Esc, F1 or Q closes this help.", style="dim")
    return Group(
        keys, Text(), commands, Text(), Text("Thinking", style="bold"), note, Text(), close
    )


class HelpScreen(ModalScreen[None]):
    """A scrollable help sheet over the chat."""

    BINDINGS = [Binding("escape,f1,q", "dismiss", "Close", show=False)]

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="help-sheet"):
            yield Static(help_tables(), id="help-text")
