"""`SessionSummary`: one row of the sessions list, read from a session file without
keeping it open; an unreadable file is a row too, with its problem.

A row needs the header, the first question (the title), renames and the number of
questions, not the replies, which hold nearly all of a file's bytes. So the file is read
a line at a time and a line the recorder wrote as a reply (it starts with the reply's
type) or as a later question is only counted, never parsed: listing a session of
100 MB takes a tenth of a second instead of seconds and a gigabyte. Every other line is
read as the loader reads it, so a damaged header or a hand-edited line is still flagged.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from qwen_tui.chat.fork_origin import ForkOrigin
from qwen_tui.chat.messages import Role
from qwen_tui.sessions.errors import SessionError
from qwen_tui.sessions.lines import open_session_file, session_lines
from qwen_tui.sessions.loader import apply_line, parse_line
from qwen_tui.sessions.session import Session, read_header

# How the recorder begins these lines (compact JSON, "type" first).
_REPLY_START = b'{"type":"assistant",'
_QUESTION_START = b'{"type":"user",'


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
    forked_from: str | None = None
    forked_at: int | None = None
    """For a fork, the message of `forked_from` it was forked at (None: not a fork)."""

    @property
    def fork(self) -> ForkOrigin | None:
        """Where the session was forked from, if it is a fork."""
        return None if self.forked_at is None else ForkOrigin(self.forked_from, self.forked_at)


def summarize(session_id: str, path: Path) -> SessionSummary:
    """The list row of the session in `path`; a file that cannot be read gets `problem`."""
    updated = file_changed_at(path)
    try:
        session, turns = scan_facts(path)
    except (OSError, SessionError) as exc:
        return SessionSummary(session_id, path, updated, problem=str(exc))
    fork = session.forked_from
    return SessionSummary(
        id=session_id,
        path=path,
        updated=updated,
        title=session.title,
        created=session.created,
        turns=turns,
        model=session.model,
        engine=session.engine,
        replay_of=session.replay_of,
        forked_from=None if fork is None else fork.session_id,
        forked_at=None if fork is None else fork.message,
    )


def file_changed_at(path: Path) -> datetime:
    """When the file (or the link in its place, if it leads nowhere) last changed."""
    for status in (os.stat, os.lstat):
        try:
            return datetime.fromtimestamp(status(path).st_mtime)
        except OSError:
            continue
    return datetime.fromtimestamp(0)


def scan_facts(path: Path) -> tuple[Session, int]:
    """The session's header facts with its first question, renames and last resume event
    applied (no other message kept, no reply parsed), and how many questions it holds."""
    with open_session_file(path) as file:
        lines = session_lines(file, path)
        session = read_header(path, lines)
        turns = 0
        for line in lines:
            if line.complete and line.raw.startswith(_REPLY_START):
                continue
            if line.complete and turns and line.raw.startswith(_QUESTION_START):
                turns += 1
                continue
            record = parse_line(session, line)
            if record is None:
                break
            entry = apply_line(session, line, record)
            if entry is not None and entry[0].role is Role.USER:
                turns += 1
                if turns == 1:
                    session.conversation.messages.append(entry[0])
    return session, turns
