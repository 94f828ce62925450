"""`qwen-chat sessions list|show|export|delete`: find and manage saved sessions.

Also the helpers the other session commands (resume, replay, play) share: picking a
session by id prefix and turning session errors into one-line messages.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
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
from qwen_tui.config import Settings
from qwen_tui.engine.base import Engine
from qwen_tui.sessions import Session, SessionError, SessionStore
from qwen_tui.sessions.export import FORMATS, export_session, turn_summary

app = typer.Typer(
    name="sessions",
    help="List, show, export and delete saved sessions.",
    no_args_is_help=True,
    add_completion=False,
)

SessionIdArg = Annotated[
    str, typer.Argument(help="Session id, or any unique start of it or of its last part.")
]


def fail(message: str) -> typer.Exit:
    """Print `qwen-chat: error: message` to stderr; raise the returned Exit."""
    typer.echo(f"qwen-chat: error: {message}", err=True)
    return typer.Exit(2)


@contextmanager
def session_errors() -> Iterator[None]:
    """Turn a SessionError into its one-line message and exit status 2."""
    try:
        yield
    except SessionError as exc:
        raise fail(str(exc)) from None


def engine_identity(settings: Settings, engine: Engine) -> tuple[str, str]:
    """The (engine, model) names a new session's header records."""
    return engine.name, engine.model_name or settings.model


def chat_in_ui(
    settings: Settings,
    engine: Engine,
    store: SessionStore,
    recorder,
    *,
    conversation,
    prompts: list[str] | tuple[str, ...] = (),
) -> None:
    """Open the chat UI on `conversation`, saving its turns through `recorder` (a new
    conversation started in the UI gets a session of its own); recorders close at the end."""
    from qwen_tui.sessions.autosave import RecorderSource
    from qwen_tui.ui.app import run_chat_app

    engine_name, model_name = engine_identity(settings, engine)
    source = RecorderSource(
        store, settings, engine_name=engine_name, model_name=model_name, first=recorder
    )
    try:
        run_chat_app(
            settings,
            engine=engine,
            conversation=conversation,
            queued_prompts=prompts,
            recorder_factory=source,
        )
    finally:
        source.close()


def load_session(store: SessionStore, query: str | None) -> Session:
    """The session `query` names, or the latest one; warnings go to stderr."""
    if query is None:
        session_id = store.latest_id()
        if session_id is None:
            raise SessionError("no saved sessions yet; start one with `qwen-chat`")
    else:
        session_id = store.resolve(query)
    session = store.load(session_id)
    for warning in session.warnings:
        typer.echo(f"qwen-chat: warning: {warning}", err=True)
    return session


@app.command("list")
def list_sessions() -> None:
    """A table of saved sessions, most recently used first."""
    store = SessionStore()
    summaries = store.list()
    console = Console()
    if not summaries:
        console.print(
            "No sessions yet. Every chat is saved automatically; start one with `qwen-chat`."
        )
        return
    table = Table("title", "last used", "turns", "model")
    table.columns.insert(0, Column("id", no_wrap=True))
    table.columns[2].no_wrap = True
    for s in summaries:
        if s.problem:
            table.add_row(s.id, Text(f"unreadable: {s.problem}", style="red"), "", "", "")
            continue
        title = Text(s.title)
        if s.replay_of:
            # The suffix alone names the original in every command.
            title.append(f" (replay of {s.replay_of.rsplit('-', 1)[-1]})", style="dim")
        table.add_row(s.id, title, f"{s.updated:%Y-%m-%d %H:%M}", str(s.turns), s.model)
    console.print(table)
    console.print(Text(f"Sessions are kept in {store.root}", style="dim"))


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
    fmt: Annotated[str, typer.Option("--format", "-f", help="md (Markdown) or json.")] = "md",
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="Write to FILE, not stdout.")
    ] = None,
) -> None:
    """Export a session as Markdown (thinking in <details> blocks) or JSON."""
    if fmt not in FORMATS:
        raise fail(f"unknown format '{fmt}'; use --format md or --format json")
    with session_errors():
        text = export_session(load_session(SessionStore(), session_id), fmt)
    if output is None:
        sys.stdout.write(text)
        return
    try:
        output.write_text(text, encoding="utf-8")
    except OSError as exc:
        raise fail(f"cannot write {output}: {exc.strerror or exc}") from None
    typer.echo(f"Wrote {output}", err=True)


@app.command()
def delete(
    session_id: SessionIdArg,
    yes: Annotated[bool, typer.Option("--yes", "-y", help="Do not ask for confirmation.")] = False,
) -> None:
    """Delete a session (asks first unless --yes)."""
    store = SessionStore()
    with session_errors():
        full_id = store.resolve(session_id)
        title = store.load(full_id).title
        if not yes and not typer.confirm(f"Delete session {full_id} “{title}”?", default=False):
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
