"""`qwen-chat sessions export|delete`: a session written out as Markdown or JSON, or
removed; both ask before they replace or delete anything (unless --yes)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from qwen_tui.chat.terminal_text import json_for_terminal, visible_controls
from qwen_tui.commands.session_helpers import SessionIdArg, fail, load_session, session_errors
from qwen_tui.commands.terminal import write_document
from qwen_tui.sessions import SessionCorrupt, SessionStore, SessionTooNew
from qwen_tui.sessions.export import FORMATS, SUFFIXES, export_session, format_for
from qwen_tui.sessions.export_target import export_target, write_export


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
