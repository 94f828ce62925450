"""Search across sessions: which sessions hold the words, with a snippet of each hit,
most recently used first.

The index (`search_index.py`) is brought up to date before each search. A damaged index
file, or one of another version, is removed and built again; where none can be written
(a read-only folder, another process holding it too long) the search builds one in
memory, slower but with the same answer.
"""

from __future__ import annotations

import sqlite3
from collections import Counter
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
    session_id: str
    kind: str
    turn: int
    title: str
    updated_ns: int
    snippet: str | None


def _query(db: sqlite3.Connection, expression: str, kinds: list[PassageKind]) -> SearchResults:
    """One pass over the hits in the index's order (a session's passages in its own
    order), cutting a snippet only for each session's first HITS_SHOWN: a snippet costs
    little during the pass and milliseconds in a query of its own."""
    seen: Counter[str] = Counter()

    def shown(session_id: str) -> bool:
        seen[session_id] += 1
        return seen[session_id] <= HITS_SHOWN

    db.create_function("shown", 1, shown)
    marks = ", ".join("?" for _ in kinds)
    rows = db.execute(
        "SELECT p.session_id, p.kind, p.turn, f.title, f.updated_ns, CASE WHEN"
        f" shown(p.session_id) THEN snippet(passage_text, 0, ?, ?, '…', {SNIPPET_WORDS}) END"
        " FROM passage_text JOIN passages p ON p.id = passage_text.rowid"
        f" JOIN files f USING (session_id) WHERE passage_text MATCH ? AND p.kind IN ({marks})"
        " ORDER BY passage_text.rowid",
        [HIT_START, HIT_END, expression, *map(str, kinds)],
    )
    by_session: dict[str, list[_Row]] = {}
    for row in map(_Row._make, rows):
        by_session.setdefault(row.session_id, []).append(row)
    matches = [
        SessionMatch(
            session_id=session_id,
            title=hits[0].title,
            updated=datetime.fromtimestamp(hits[0].updated_ns / 1e9),
            hits=[
                Hit(PassageKind(r.kind), r.turn, r.snippet) for r in hits if r.snippet is not None
            ],
            hit_count=len(hits),
        )
        for session_id, hits in sorted(by_session.items(), key=_newest_first, reverse=True)
    ]
    skipped = db.execute(
        "SELECT session_id, problem FROM files WHERE problem IS NOT NULL ORDER BY session_id"
    )
    return SearchResults(matches, [f"session {i}: {problem}" for i, problem in skipped])


def _newest_first(item: tuple[str, list[_Row]]) -> tuple[int, str]:
    return item[1][0].updated_ns, item[0]
