"""`qwen-chat sessions list|show|search|export|delete`: find and manage saved sessions.

Everything a session holds is shown through `visible_controls` (or, for Markdown, its
parsed form): a title, a model name or a reply never drives the terminal. `export -o`
writes the exact text; export to stdout is shown safe, JSON by its own escapes.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console, RenderableType
from rich.panel import Panel
from rich.rule import Rule
from rich.table import Column, Table
from rich.text import Text

from qwen_tui.chat.alternatives import ReplyPlace
from qwen_tui.chat.messages import Message, Role
from qwen_tui.chat.terminal_text import json_for_terminal, visible_controls
from qwen_tui.commands.session_helpers import SessionIdArg, fail, load_session, session_errors
from qwen_tui.commands.session_search import search
from qwen_tui.commands.terminal import markdown_for_terminal, text_for_terminal, write_document
from qwen_tui.sessions import Session, SessionCorrupt, SessionStore, SessionTooNew
from qwen_tui.sessions.export import (
    FORMATS,
    SUFFIXES,
    export_session,
    format_for,
    tuned_text,
    turn_summary,
)
from qwen_tui.sessions.export_target import export_target, write_export
from qwen_tui.sessions.summary import SessionSummary
from qwen_tui.sessions.tool_export import call_text, result_title

TABLE_COLUMNS = 120
"""From this width on the sessions are listed as a table; narrower, one title a line."""

app = typer.Typer(
    name="sessions",
    help="List, show, search, export and delete saved sessions (alone: list them).",
    no_args_is_help=False,
    add_completion=False,
)


@app.callback(invoke_without_command=True)
def sessions(ctx: typer.Context) -> None:
    """List, show, search, export and delete saved sessions; with no command, list them."""
    if ctx.invoked_subcommand is None:
        list_sessions()


@app.command("list")
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


@app.command()
def show(
    session_id: SessionIdArg,
    thinking: Annotated[
        bool, typer.Option("--thinking", help="Include the model's thinking.")
    ] = False,
) -> None:
    """Print a session's transcript."""
    store = SessionStore()
    with session_errors():
        session = load_session(store, session_id, whole=False)
        console = Console()
        # Printed as it is read: a session of any length needs the memory of one message.
        with store.read(session.id) as reading:
            replies = reading.session.replies  # where the reading is, for the marks
            messages = ((m, session.replies.place_of(replies)) for m, _ in reading)
            for part in render_transcript(session, messages, thinking=thinking):
                console.print(part)


app.command()(search)


@app.command()
def export(
    session_id: SessionIdArg,
    fmt: Annotated[
        str | None,
        typer.Option(
            "--format", "-f", help="md (Markdown) or json; default: from -o's name, else md."
        ),
    ] = None,
    output: Annotated[
        Path | None,
        typer.Option("--output", "-o", help="Write to FILE (.md or .json), not stdout."),
    ] = None,
    yes: Annotated[
        bool, typer.Option("--yes", "-y", help="Replace an existing FILE without asking.")
    ] = False,
) -> None:
    """Export a session as Markdown (thinking in <details> blocks) or JSON."""
    if fmt is not None and fmt not in FORMATS:
        raise fail(f"unknown format '{fmt}'; use --format md or --format json")
    if output is not None:
        try:
            fmt = format_for(output, fmt)
        except ValueError as exc:
            unknown = output.suffix.lower() not in SUFFIXES
            raise fail(f"{exc}, or pass --format md" if unknown else str(exc)) from None
    fmt = fmt or "md"
    store = SessionStore()
    with session_errors():
        target = None if output is None else export_target(output, store.root)
        text = export_session(load_session(store, session_id), fmt)
    if target is None:
        write_document(json_for_terminal(text) if fmt == "json" else visible_controls(text))
        return
    if target.exists and not yes and not typer.confirm(f"Replace {target.path}?", default=False):
        typer.echo("Kept it; nothing written.", err=True)
        return
    try:
        write_export(target.path, text)
    except OSError as exc:
        raise fail(f"cannot write {target.path}: {exc.strerror or exc}") from None
    typer.echo(f"Wrote {target.path}", err=True)


@app.command()
def delete(
    session_id: SessionIdArg,
    yes: Annotated[bool, typer.Option("--yes", "-y", help="Do not ask for confirmation.")] = False,
) -> None:
    """Delete a session (asks first unless --yes)."""
    store = SessionStore()
    with session_errors():
        full_id = store.resolve(session_id, whole=True)
        try:
            described = f"session {full_id} “{visible_controls(store.load(full_id).title)}”"
        except (SessionCorrupt, SessionTooNew):
            # `sessions list` shows it as unreadable; deleting it is how to get rid of it.
            described = f"unreadable session {full_id}"
        if not yes and not typer.confirm(f"Delete {described}?", default=False):
            typer.echo("Kept it.")
            return
        store.delete(full_id)
    typer.echo(f"Deleted session {full_id}.")


def render_transcript(
    session: Session, messages: Iterable[tuple[Message, ReplyPlace | None]], *, thinking: bool
) -> Iterator[RenderableType]:
    """The conversation as Rich renderables, as `messages` come: user turns as text,
    answers as Markdown (each of a regenerated reply's marked with its place), everything
    with its control characters as marks. `session` gives the heading."""
    heading = text_for_terminal(session.title, style="bold")
    heading.append(
        visible_controls(f"  {session.id} · {session.model} · {session.engine}"), style="dim"
    )
    yield heading
    if session.replay_of:
        yield text_for_terminal(f"replay of session {session.replay_of}", style="dim")
    if session.forked_from is not None:
        yield text_for_terminal(session.forked_from.describe(), style="dim")
    if session.conversation.system_prompt:
        yield Rule("System", align="left")
        yield text_for_terminal(session.conversation.system_prompt)
    if session.conversation.tuning.values:
        yield Text(f"set with /set: {tuned_text(session.conversation.tuning)}", style="dim")
    for message, place in messages:
        if message.role is Role.USER:
            yield Rule("You", align="left", style="cyan")
            yield text_for_terminal(message.content)
            continue
        if message.role is Role.TOOL:
            yield tool_result(message)
            continue
        yield Rule("Qwen" + (f" · {place.label}" if place else ""), align="left", style="magenta")
        if thinking and message.thinking:
            title = "thinking" if message.thinking_finished else "thinking (cut off)"
            yield Panel(text_for_terminal(message.thinking, style="dim italic"), title=title)
        yield markdown_for_terminal(message.content)
        for call in message.tool_calls:
            yield text_for_terminal(f"▸ {call_text(call)}", style="bold")
        summary = turn_summary(message)
        if summary:
            yield Text(summary, style="dim")


def tool_result(message: Message) -> RenderableType:
    """A tool call's result, in a panel titled with the tool and how it ended."""
    style = "red" if message.is_error else "dim"
    title = Text(visible_controls(result_title(message)))  # a Text: never read as markup
    return Panel(text_for_terminal(message.content), title=title, title_align="left", style=style)
