"""What the session commands (sessions, resume, replay, play, run) share: picking a session
by id prefix, turning session errors into one-line messages, and opening the chat UI on a
conversation that is being recorded.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Annotated

import typer

from qwen_tui.chat.messages import Conversation
from qwen_tui.chat.terminal_text import visible_controls
from qwen_tui.config import Settings
from qwen_tui.conversation.opening import new_sessions
from qwen_tui.engine.base import Engine
from qwen_tui.sessions import (
    Session,
    SessionCorrupt,
    SessionError,
    SessionRecorder,
    SessionStore,
)
from qwen_tui.sessions.replay import recorded_engine

SessionIdArg = Annotated[
    str, typer.Argument(help="Session id, or any unique start of it or of its last part.")
]


def fail(message: str) -> typer.Exit:
    """Print `qwen-chat: error: message` to stderr; raise the returned Exit. The message
    may quote a file or a model's output, so its control characters are shown as marks."""
    typer.echo(f"qwen-chat: error: {visible_controls(message)}", err=True)
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
    recorder: SessionRecorder,
    *,
    conversation: Conversation,
    prompts: Sequence[str] = (),
) -> None:
    """Open the chat UI on `conversation`, saving its turns through `recorder` (a new
    conversation started in the UI gets a session of its own)."""
    from qwen_tui.ui.app import run_chat_app

    try:
        run_chat_app(
            settings,
            engine=engine,
            conversation=conversation,
            queued_prompts=prompts,
            recorder_factory=new_sessions(store, first=recorder),
        )
    finally:
        recorder.close()  # already closed, unless the UI never started


def session_id_for(store: SessionStore, query: str | None) -> str:
    """The id `query` names, or the latest session's."""
    if query is not None:
        return store.resolve(query)
    session_id = store.latest_id()
    if session_id is None:
        raise SessionError("no saved sessions yet; start one with `qwen-chat`")
    return session_id


def load_session(store: SessionStore, query: str | None, *, whole: bool = True) -> Session:
    """The session `query` names, or the latest one; warnings go to stderr. Without
    `whole` the file is only checked (`SessionStore.check`), to be streamed after."""
    session_id = session_id_for(store, query)
    with corrupt_hint(session_id):
        session = store.load(session_id) if whole else store.check(session_id)
    warn_about(session)
    return session


@contextmanager
def corrupt_hint(session_id: str) -> Iterator[None]:
    """Add what to do to a SessionCorrupt error about `session_id`."""
    try:
        yield
    except SessionCorrupt as exc:
        raise SessionCorrupt(
            f"{exc}; fix the file or delete the session: `qwen-chat sessions delete {session_id}`"
        ) from None


def warn_about(session: Session) -> None:
    """Print the problems found reading `session` (a torn last line) to stderr."""
    for warning in session.warnings:
        typer.echo(f"qwen-chat: warning: {visible_controls(warning)}", err=True)


def engine_flags(
    session: Session, *, engine: str | None, model: str | None, base_url: str | None = None
) -> dict[str, str | None]:
    """--engine, --model and --base-url as the user gave them, else what `session` last
    ran with (the server too, for an openai session, unless --engine says another)."""
    ran_on, ran_with, ran_at = recorded_engine(session)
    chosen = engine or ran_on
    recorded_server = ran_at if chosen == ran_on else None
    return {"engine": chosen, "model": model or ran_with, "base_url": base_url or recorded_server}


def resumed_engine_flags(
    session_id: str | None, *, engine: str | None, model: str | None, base_url: str | None
) -> dict[str, str | None]:
    """`engine_flags` of the session `session_id` names; the flags alone without an id.
    Raises SessionError if the id names no readable session."""
    if session_id is None:
        return {"engine": engine, "model": model, "base_url": base_url}
    store = SessionStore()
    facts = store.facts(store.resolve(session_id))  # its header and last resume, no replies
    return engine_flags(facts, engine=engine, model=model, base_url=base_url)
