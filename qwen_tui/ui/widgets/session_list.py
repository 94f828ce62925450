"""The saved sessions as a list: two lines each, the title and date, then the details
(and, when the list is filtered by a search, a third: the first hit)."""

from __future__ import annotations

import os
from collections.abc import Mapping

from rich.console import Group, RenderableType
from rich.padding import Padding
from rich.table import Table
from rich.text import Text
from textual.widgets import OptionList
from textual.widgets.option_list import Option

from qwen_tui.chat.terminal_text import visible_controls
from qwen_tui.sessions import SessionSummary
from qwen_tui.sessions.search import SessionMatch
from qwen_tui.sessions.search_text import snippet_parts

DATE_FORMAT = "%Y-%m-%d %H:%M"


class SessionList(OptionList):
    """Most recently used first; each option's id is its session id."""

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self.summaries: dict[str, SessionSummary] = {}

    def show(
        self,
        summaries: list[SessionSummary],
        current_id: str | None,
        matches: Mapping[str, SessionMatch] | None = None,
    ) -> None:
        """List `summaries` (only those in `matches`, with their first hit, when given),
        marking the session open in this chat; the highlight stays on the same session if
        it is still there, else on the same row."""
        kept_id, kept_index = self.highlighted_id, self.highlighted or 0
        if matches is not None:
            summaries = [s for s in summaries if s.id in matches]
        self.summaries = {s.id: s for s in summaries}
        self.set_options(
            Option(_entry(s, s.id == current_id, matches.get(s.id) if matches else None), id=s.id)
            for s in summaries
        )
        if not summaries:
            return
        ids = [s.id for s in summaries]
        self.highlighted = ids.index(kept_id) if kept_id in ids else min(kept_index, len(ids) - 1)

    @property
    def highlighted_id(self) -> str | None:
        option = self.highlighted_option
        return option.id if option is not None else None

    @property
    def highlighted_summary(self) -> SessionSummary | None:
        session_id = self.highlighted_id
        return self.summaries.get(session_id) if session_id else None


def _entry(summary: SessionSummary, current: bool, match: SessionMatch | None) -> RenderableType:
    grid = Table.grid(expand=True, padding=(0, 1))
    grid.add_column(ratio=1, no_wrap=True, overflow="ellipsis")
    grid.add_column(justify="right", no_wrap=True)
    date = Text(f"{summary.updated:{DATE_FORMAT}}", style="dim")
    if summary.problem is not None:
        grid.add_row(Text(f"⚠ {summary.id}", style="bold red"), date)
        problem = Text(f"unreadable: {visible_controls(_short_problem(summary))}", style="red")
        return Group(grid, Padding(problem, (0, 0, 0, 2)))
    title = Text(visible_controls(summary.title), style="bold")
    if current:
        title.append("  ● open now", style="green")
    grid.add_row(title, date)
    details = [f"{summary.turns} turn{'' if summary.turns == 1 else 's'}"]
    details += [part for part in (summary.model, summary.id) if part]
    if summary.replay_of:
        details.append(f"replay of {summary.replay_of}")
    if summary.fork is not None:
        details.append(summary.fork.describe())
    shown = visible_controls(" · ".join(details))  # the model's name is the file's text
    line = Text(shown, style="dim", no_wrap=True, overflow="ellipsis")
    if match is None or not match.hits:
        return Group(grid, Padding(line, (0, 0, 0, 2)))
    return Group(grid, Padding(line, (0, 0, 0, 2)), Padding(_hit(match), (0, 0, 0, 2)))


def _hit(match: SessionMatch) -> Text:
    """The first hit's snippet, the matching words highlighted (already shown safe)."""
    hit = match.hits[0]
    line = Text(f"{hit.kind} {hit.turn}: " if hit.turn else "title: ", style="dim italic")
    line.no_wrap, line.overflow = True, "ellipsis"
    for piece, is_hit in snippet_parts(hit.snippet):
        line.append(piece, style="bold reverse" if is_hit else "italic")
    if match.hit_count > 1:
        line.append(f"  (+{match.hit_count - 1})", style="dim")
    return line


def _short_problem(summary: SessionSummary) -> str:
    """The problem without the sessions folder in front of every file name."""
    return (summary.problem or "").replace(f"{summary.path.parent}{os.sep}", "")
