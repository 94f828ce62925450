"""Continuing a saved session inside a running chat (the UI's sessions screen).

The session is locked before it is read for good, so what the chat shows is exactly what
its file holds when new turns start to append to it; a session another process writes is
refused with `SessionLocked` and nothing changes.
"""

from __future__ import annotations

from dataclasses import dataclass

from qwen_tui.config import Settings
from qwen_tui.sessions.loader import Session
from qwen_tui.sessions.recorder import SessionRecorder
from qwen_tui.sessions.replay import continued_settings
from qwen_tui.sessions.store import SessionStore


@dataclass
class ContinuedSession:
    """A session opened to go on with: its content, its recorder (holding the lock) and
    the settings to chat with (the session's own system prompt)."""

    session: Session
    recorder: SessionRecorder
    settings: Settings


def continue_session(
    store: SessionStore,
    session_id: str,
    settings: Settings,
    *,
    engine_name: str,
    model_name: str,
) -> ContinuedSession:
    """Lock and read `session_id`; its file gets a `resume` event before the next turn.

    Raises SessionLocked if another process writes it, SessionNotFound, SessionCorrupt or
    SessionTooNew otherwise, each with a one-line message.
    """
    settings = continued_settings(store.load(session_id), settings)
    recorder = store.open_for_append(
        session_id, settings=settings, engine_name=engine_name, model_name=model_name
    )
    try:
        session = store.load(session_id)  # again, now that nobody else can append
    except BaseException:
        recorder.close()
        raise
    return ContinuedSession(session, recorder, settings)
