"""`qwen-chat sessions list|show|export|delete`: find and manage saved sessions."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console, Group
from rich.markdown import Markdown
from rich.panel import Panel
from rich.rule import Rule
from rich.table import Column, Table
from rich.text import Text

from qwen_tui.chat.messages import Role
from qwen_tui.commands.session_helpers import SessionIdArg, fail, load_session, session_errors
from qwen_tui.sessions import Session, SessionCorrupt, SessionStore, SessionTooNew
from qwen_tui.sessions.export import (
    FORMATS,
    SUFFIXES,
    export_session,
    format_for,
    turn_summary,
)
from qwen_tui.sessions.summary import SessionSummary

TABLE_COLUMNS = 120
"""From this width on the sessions are listed as a table; narrower, one title a line."""

app = typer.Typer(
    name="sessions",
    help="List, show, export and delete saved sessions (alone: list them).",
    no_args_is_help=False,
    add_completion=False,
)


@app.callback(invoke_without_command=True)
def sessions(ctx: typer.Context) -> None:
    """List, show, export and delete saved sessions; with no command, list them."""
    if ctx.invoked_subcommand is None:
        list_sessions()


@app.command("list")
def list_sessions() -> None:
    """Saved sessions, most recently used first: title, id, last used, turns, model."""
    store = SessionStore()
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
            console.print(Text("  " + " · ".join(_facts(summary)), style="dim"), overflow="fold")
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
            table.add_row(_title(summary), summary.id, used, str(summary.turns), summary.model)
    return table


def _title(summary: SessionSummary) -> Text:
    if summary.problem:
        return Text(f"unreadable: {summary.problem}", style="red")
    title = Text(summary.title, style="bold")
    if summary.replay_of:
        # The suffix alone names the original in every command.
        title.append(f" (replay of {summary.replay_of.rsplit('-', 1)[-1]})", style="dim")
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
    with session_errors():
        session = load_session(SessionStore(), session_id)
    Console().print(render_transcript(session, thinking=thinking))


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
    store = SessionStore()
    if output is not None and output.resolve().parent == store.root.resolve():
        # Writing there could overwrite a session file with its own export.
        raise fail(f"-o {output} is in the sessions directory; write the export elsewhere")
    with session_errors():
        text = export_session(load_session(store, session_id), fmt or "md")
    if output is None:
        sys.stdout.write(text)
        return
    try:
        output.write_text(text, encoding="utf-8")
    except OSError as exc:
        raise fail(f"cannot write {output}: {exc.strerror or exc}") from None
    typer.echo(f"Wrote {output.resolve()}", err=True)


@app.command()
def delete(
    session_id: SessionIdArg,
    yes: Annotated[bool, typer.Option("--yes", "-y", help="Do not ask for confirmation.")] = False,
) -> None:
    """Delete a session (asks first unless --yes)."""
    store = SessionStore()
    with session_errors():
        full_id = store.resolve(session_id)
        try:
            described = f"session {full_id} “{store.load(full_id).title}”"
        except (SessionCorrupt, SessionTooNew):
            # `sessions list` shows it as unreadable; deleting it is how to get rid of it.
            described = f"unreadable session {full_id}"
        if not yes and not typer.confirm(f"Delete {described}?", default=False):
            typer.echo("Kept it.")
            return
        store.delete(full_id)
    typer.echo(f"Deleted session {full_id}.")


def render_transcript(session: Session, *, thinking: bool) -> Group:
    """The conversation as Rich renderables: user turns as text, answers as Markdown."""
    heading = Text(session.title, style="bold")
    heading.append(f"  {session.id} · {session.model} · {session.engine}", style="dim")
    parts: list = [heading]
    if session.replay_of:
        parts.append(Text(f"replay of session {session.replay_of}", style="dim"))
    if session.conversation.system_prompt:
        parts += [Rule("System", align="left"), Text(session.conversation.system_prompt)]
    for message in session.conversation.messages:
        if message.role is Role.USER:
            parts += [Rule("You", align="left", style="cyan"), Text(message.content)]
            continue
        parts.append(Rule("Qwen", align="left", style="magenta"))
        if thinking and message.thinking:
            title = "thinking" if message.thinking_finished else "thinking (cut off)"
            parts.append(Panel(Text(message.thinking, style="dim italic"), title=title))
        parts.append(Markdown(message.content))
        summary = turn_summary(message)
        if summary:
            parts.append(Text(summary, style="dim"))
    return Group(*parts)
