"""`qwen-chat sessions search TEXT [--thinking]`: the sessions that hold some words, most
recently used first, with a snippet around each hit.

Exit status as grep's: 0 when a session matches, 1 when none does, 2 for an error. The
snippets come from the index with their control characters already shown as marks.
"""

from __future__ import annotations

from typing import Annotated

import typer
from rich.console import Console
from rich.text import Text

from qwen_tui.chat.terminal_text import visible_controls
from qwen_tui.commands.session_helpers import fail, session_errors
from qwen_tui.sessions import SessionStore
from qwen_tui.sessions.search import Hit, SessionMatch, search_sessions
from qwen_tui.sessions.search_text import PassageKind, SearchQueryError, snippet_parts

HIT_STYLE = "bold reverse"


def search(
    text: Annotated[str, typer.Argument(help="Words to find (each as the start of a word).")],
    thinking: Annotated[
        bool, typer.Option("--thinking", help="Search the model's thinking too.")
    ] = False,
) -> None:
    """Find the sessions whose questions, answers or titles hold every word of TEXT."""
    store = SessionStore()
    with session_errors():
        try:
            results = search_sessions(store, text, thinking=thinking)
        except SearchQueryError as exc:
            raise fail(str(exc)) from None
    for skipped in results.skipped:
        typer.echo(f"qwen-chat: warning: not searched: {visible_controls(skipped)}", err=True)
    console = Console()
    if not results.matches:
        where = "questions, answers or thinking" if thinking else "questions or answers"
        hint = "" if thinking else "; --thinking searches the thinking too"
        console.print(f"No session holds {visible_controls(text)!r} in its {where}{hint}.")
        raise typer.Exit(1)
    for index, match in enumerate(results.matches):
        if index:
            console.print()
        print_match(console, match)


def print_match(console: Console, match: SessionMatch) -> None:
    """A session's title, its id and date, then each hit shown with its snippet: one
    Text, printed at once (a print per line doubles the time of a long listing)."""
    hits = f"{match.hit_count} hit{'' if match.hit_count == 1 else 's'}"
    shown = Text(f"{match.title}\n", style="bold")
    shown.append(f"  {match.session_id} · {match.updated:%Y-%m-%d %H:%M} · {hits}\n", "dim")
    for hit in match.hits:
        shown.append_text(hit_line(hit))
        shown.append("\n")
    more = match.hit_count - len(match.hits)
    if more:
        shown.append(f"    … and {more} more\n", style="dim")
    console.print(shown, overflow="fold", end="")


def hit_line(hit: Hit) -> Text:
    """`    answer 3: … the words around the hit …`, the hit itself highlighted."""
    where = "title" if hit.kind is PassageKind.TITLE else f"{hit.kind} {hit.turn}"
    line = Text(f"    {where}: ", style="dim")
    for piece, is_hit in snippet_parts(hit.snippet):
        line.append(piece, style=HIT_STYLE if is_hit else "")
    return line
