"""Search across sessions: which sessions hold the words, with a snippet of each hit,
most recently used first.

The index (`search_index.py`) is brought up to date before each search. A damaged index
file, or one of another version, is removed and built again; where none can be written
(a read-only folder, another process holding it too long) the search builds one in
memory, slower but with the same answer.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Mapping
from contextlib import closing
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import NamedTuple

from qwen_tui.sessions.search_index import INDEX_NAME, connect, refresh
from qwen_tui.sessions.search_text import HIT_END, HIT_START, PassageKind, match_expression
from qwen_tui.sessions.store import SessionStore

SNIPPET_WORDS = 14
HITS_SHOWN = 3
"""Snippets kept per session; the others are only counted."""


@dataclass(frozen=True)
class Hit:
    kind: PassageKind
    turn: int
    snippet: str
    """Safe one-line text around the hit, each matching word between HIT_START and HIT_END."""


@dataclass(frozen=True)
class SessionMatch:
    session_id: str
    title: str
    updated: datetime
    hits: list[Hit]
    """The first HITS_SHOWN hits, in the session's order."""
    hit_count: int


@dataclass
class SearchResults:
    matches: list[SessionMatch] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    """One line per session file that could not be read (and so was not searched)."""


def search_sessions(store: SessionStore, text: str, *, thinking: bool = False) -> SearchResults:
    """The sessions of `store` that hold every word of `text` in one question, answer or
    title (or, with `thinking`, piece of thinking). Raises SearchQueryError for a `text`
    with no word, SessionError when the sessions folder cannot be read."""
    expression = match_expression(text)
    sessions = {session_id: store.path_for(session_id) for session_id in store.ids()}
    if not sessions:
        return SearchResults()
    kinds = [kind for kind in PassageKind if thinking or kind is not PassageKind.THINKING]
    path = store.root / INDEX_NAME
    try:
        return _search_in(path, sessions, expression, kinds)
    except sqlite3.OperationalError:
        pass  # it cannot be opened or written now: left to whoever holds it
    except sqlite3.DatabaseError:  # not an index of this version, or damaged
        _remove(path)
        try:
            return _search_in(path, sessions, expression, kinds)
        except sqlite3.DatabaseError:
            pass
    return _search_in(":memory:", sessions, expression, kinds)


def _search_in(
    location: Path | str, sessions: Mapping[str, Path], expression: str, kinds: list[PassageKind]
) -> SearchResults:
    with closing(connect(location)) as db:
        refresh(db, sessions)
        return _query(db, expression, kinds)


def _remove(path: Path) -> None:
    for leftover in (path, path.with_name(path.name + "-journal")):
        try:
            leftover.unlink(missing_ok=True)
        except OSError:
            pass  # then the next attempt fails too, and the search runs in memory


class _Row(NamedTuple):
    passage: int
    kind: str
    turn: int
    title: str
    updated_ns: int


def _query(db: sqlite3.Connection, expression: str, kinds: list[PassageKind]) -> SearchResults:
    marks = ", ".join("?" for _ in kinds)
    rows = db.execute(
        "SELECT p.session_id, p.id, p.kind, p.turn, f.title, f.updated_ns FROM passage_text"
        " JOIN passages p ON p.id = passage_text.rowid JOIN files f USING (session_id)"
        f" WHERE passage_text MATCH ? AND p.kind IN ({marks})"
        " ORDER BY f.updated_ns DESC, p.session_id, p.id",
        [expression, *map(str, kinds)],
    )
    by_session: dict[str, list[_Row]] = {}
    for session_id, *rest in rows:
        by_session.setdefault(session_id, []).append(_Row(*rest))
    shown = {i: hits[:HITS_SHOWN] for i, hits in by_session.items()}
    snippets = _snippets(db, expression, [row.passage for hits in shown.values() for row in hits])
    matches = [
        SessionMatch(
            session_id=session_id,
            title=hits[0].title,
            updated=datetime.fromtimestamp(hits[0].updated_ns / 1e9),
            hits=[Hit(PassageKind(r.kind), r.turn, snippets[r.passage]) for r in shown[session_id]],
            hit_count=len(hits),
        )
        for session_id, hits in by_session.items()
    ]
    skipped = db.execute(
        "SELECT session_id, problem FROM files WHERE problem IS NOT NULL ORDER BY session_id"
    )
    return SearchResults(matches, [f"session {i}: {problem}" for i, problem in skipped])


def _snippets(db: sqlite3.Connection, expression: str, ids: list[int]) -> Mapping[int, str]:
    """The snippet of each passage in `ids` (cut only for the hits that are shown)."""
    found: dict[int, str] = {}
    for start in range(0, len(ids), 500):  # well within SQLite's limit on parameters
        chunk = ids[start : start + 500]
        marks = ", ".join("?" for _ in chunk)
        found.update(
            db.execute(
                f"SELECT rowid, snippet(passage_text, 0, ?, ?, '…', {SNIPPET_WORDS})"
                f" FROM passage_text WHERE passage_text MATCH ? AND rowid IN ({marks})",
                [HIT_START, HIT_END, expression, *chunk],
            ).fetchall()
        )
    return found
