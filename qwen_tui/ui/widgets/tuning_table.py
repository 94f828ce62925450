"""`/set` alone: a table in the conversation of the values the next turn runs with and
where each came from."""

from __future__ import annotations

from collections.abc import Sequence

from rich.table import Table
from textual.widgets import Static

from qwen_tui.chat.tuning_table import TuningRow


class TuningTable(Static):
    """The sampling values and limits of the next turn, with their sources."""

    def __init__(self, rows: Sequence[TuningRow], thinking: bool) -> None:
        super().__init__(tuning_sheet(rows, thinking), classes="tuning-table")


def tuning_sheet(rows: Sequence[TuningRow], thinking: bool) -> Table:
    """The rows as a table titled with the mode whose preset applies."""
    mode = "on" if thinking else "off"
    table = Table(
        title=f"Settings of the next turn (thinking {mode})",
        title_justify="left",
        caption="/set NAME VALUE changes one for this conversation; /set NAME default undoes it",
        caption_justify="left",
        box=None,
        padding=(0, 2, 0, 0),
    )
    table.add_column("setting", style="bold", no_wrap=True)
    table.add_column("value", justify="right", no_wrap=True)
    table.add_column("from")
    for row in rows:
        table.add_row(row.name, row.value, row.source)
    return table
