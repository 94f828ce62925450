"""`SessionSummary`: one row of the sessions list, read from a session file without
keeping it open; an unreadable file is a row too, with its problem."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from qwen_tui.sessions.errors import SessionError
from qwen_tui.sessions.loader import load_session_file


@dataclass(frozen=True)
class SessionSummary:
    """One row of the sessions list. `problem` is set (and the rest may be blank) when
    the file cannot be read."""

    id: str
    path: Path
    updated: datetime
    title: str = ""
    created: str = ""
    turns: int = 0
    model: str = ""
    engine: str = ""
    replay_of: str | None = None
    problem: str | None = None


def summarize(session_id: str, path: Path) -> SessionSummary:
    """The list row of the session in `path`; a file that cannot be read gets `problem`."""
    try:
        updated = datetime.fromtimestamp(path.stat().st_mtime)
    except OSError as exc:
        return SessionSummary(session_id, path, datetime.fromtimestamp(0), problem=str(exc))
    try:
        session = load_session_file(path)
    except (OSError, SessionError) as exc:
        return SessionSummary(session_id, path, updated, problem=str(exc))
    return SessionSummary(
        id=session_id,
        path=path,
        updated=updated,
        title=session.title,
        created=session.created,
        turns=session.turns,
        model=session.model,
        engine=session.engine,
        replay_of=session.replay_of,
    )
