"""`qwen-chat sessions list` (and `sessions` alone): the saved sessions, most recently used
first; a table on a wide terminal, one title a line on a narrow one."""

from __future__ import annotations

from rich.console import Console
from rich.table import Column, Table
from rich.text import Text

from qwen_tui.chat.terminal_text import visible_controls
from qwen_tui.commands.session_helpers import session_errors
from qwen_tui.commands.terminal import text_for_terminal
from qwen_tui.sessions import SessionStore
from qwen_tui.sessions.summary import SessionSummary

TABLE_COLUMNS = 120
"""From this width on the sessions are listed as a table; narrower, one title a line."""


def list_sessions() -> None:
    """Saved sessions, most recently used first: title, id, last used, turns, model."""
    store = SessionStore()
    with session_errors():
        summaries = store.list()
    console = Console()
    if not summaries:
        console.print(
            "No sessions yet. Every chat is saved automatically; start one with `qwen-chat`."
        )
        return
    if console.width >= TABLE_COLUMNS:
        console.print(_table(summaries))
    else:
        for summary in summaries:
            console.print(_title(summary), overflow="fold")
            facts = visible_controls("  " + " · ".join(_facts(summary)))
            console.print(Text(facts, style="dim"), overflow="fold")
    console.print(Text(f"Sessions are kept in {store.root}", style="dim"))


def _table(summaries: list[SessionSummary]) -> Table:
    """The wide listing: the title first, taking the room the other columns leave."""
    table = Table(Column("title", ratio=1, overflow="fold"))
    table.add_column("id", no_wrap=True)
    table.add_column("last used", no_wrap=True)
    table.add_column("turns", justify="right", no_wrap=True)
    table.add_column("model", max_width=32, overflow="ellipsis", no_wrap=True)
    for summary in summaries:
        if summary.problem:
            table.add_row(_title(summary), summary.id, "", "", "")
        else:
            used = f"{summary.updated:%Y-%m-%d %H:%M}"
            model = text_for_terminal(summary.model)
            table.add_row(_title(summary), summary.id, used, str(summary.turns), model)
    return table


def _title(summary: SessionSummary) -> Text:
    if summary.problem:
        return text_for_terminal(f"unreadable: {summary.problem}", style="red")
    title = text_for_terminal(summary.title, style="bold")
    if summary.replay_of:
        # The suffix alone names the original in every command.
        replayed = visible_controls(summary.replay_of.rsplit("-", 1)[-1])
        title.append(f" (replay of {replayed})", style="dim")
    if summary.fork is not None:
        title.append(visible_controls(f" ({summary.fork.describe()})"), style="dim")
    return title


def _facts(summary: SessionSummary) -> list[str]:
    if summary.problem:
        return [summary.id]
    turns = f"{summary.turns} turn{'' if summary.turns == 1 else 's'}"
    return [summary.id, f"{summary.updated:%Y-%m-%d %H:%M}", turns, summary.model]
