"""What the session commands (sessions, resume, replay, play, run) share: picking a session
by id prefix, turning session errors into one-line messages, and opening the chat UI on a
conversation that is being recorded.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Annotated

import typer

from qwen_tui.config import Settings
from qwen_tui.engine.base import Engine
from qwen_tui.sessions import Session, SessionCorrupt, SessionError, SessionStore
from qwen_tui.sessions.records import engine_identity
from qwen_tui.sessions.replay import recorded_engine

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
    try:
        session = store.load(session_id)
    except SessionCorrupt as exc:
        raise SessionCorrupt(
            f"{exc}; fix the file or delete the session: `qwen-chat sessions delete {session_id}`"
        ) from None
    for warning in session.warnings:
        typer.echo(f"qwen-chat: warning: {warning}", err=True)
    return session


def engine_flags(session: Session, *, engine: str | None, model: str | None) -> dict:
    """--engine and --model as the user gave them, else what `session` last ran with."""
    ran_on, ran_with = recorded_engine(session)
    return {"engine": engine or ran_on, "model": model or ran_with}


def resumed_engine_flags(session_id: str | None, *, engine: str | None, model: str | None):
    """`engine_flags` of the session `session_id` names; the flags alone without an id.
    Raises SessionError if the id names no readable session."""
    if session_id is None:
        return {"engine": engine, "model": model}
    store = SessionStore()
    return engine_flags(store.load(store.resolve(session_id)), engine=engine, model=model)
