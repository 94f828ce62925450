"""The search index: an SQLite FTS5 database of every session's passages, kept in
`<sessions>/.search.sqlite3` beside the files it is made from.

The session files stay the only source of truth. Before each search `refresh` compares
every file's size, modification and change times and inode with what they were when it
was indexed, and reads again only the files that changed, appeared or went away (a
session file only ever grows, so any new line changes its size). A file that cannot be
read as a session is kept with its problem and no passages, to be reported, not read
again until it changes.
"""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Mapping
from pathlib import Path

from qwen_tui.sessions.errors import SessionError
from qwen_tui.sessions.search_text import read_session_text

INDEX_NAME = ".search.sqlite3"
VERSION = 1
BUSY_TIMEOUT_S = 30.0  # another process may be building the index for a while

_SCHEMA = """
CREATE TABLE files (
    session_id TEXT PRIMARY KEY,
    file_key TEXT NOT NULL,
    updated_ns INTEGER NOT NULL,
    title TEXT NOT NULL,
    problem TEXT
);
CREATE TABLE passages (
    id INTEGER PRIMARY KEY,
    session_id TEXT NOT NULL,
    kind TEXT NOT NULL,
    turn INTEGER NOT NULL
);
CREATE INDEX passages_of_session ON passages (session_id);
CREATE VIRTUAL TABLE passage_text USING fts5 (
    text, tokenize = 'unicode61 remove_diacritics 2'
);
"""


def connect(location: Path | str) -> sqlite3.Connection:
    """The index database at `location` (a path, or ":memory:"), created if it is new.
    Raises sqlite3.DatabaseError when the file is not an index of this version (to be
    removed and built again), sqlite3.OperationalError when it cannot be opened."""
    db = sqlite3.connect(location, timeout=BUSY_TIMEOUT_S, isolation_level=None)
    try:
        db.execute("BEGIN IMMEDIATE")
        version = db.execute("PRAGMA user_version").fetchone()[0]
        if version == 0 and not db.execute("SELECT 1 FROM sqlite_master").fetchone():
            for statement in _SCHEMA.split(";"):  # not executescript: it would commit
                db.execute(statement)
            db.execute(f"PRAGMA user_version = {VERSION}")
        elif version != VERSION:
            raise sqlite3.DatabaseError(f"a search index of version {version}, not {VERSION}")
        db.execute("COMMIT")
    except BaseException:
        db.close()
        raise
    return db


def refresh(db: sqlite3.Connection, sessions: Mapping[str, Path]) -> None:
    """Bring the index in step with `sessions` (each id's file), reading only the files
    that changed since they were indexed."""
    db.execute("BEGIN IMMEDIATE")  # one writer at a time; others wait, then see its work
    try:
        known = dict(db.execute("SELECT session_id, file_key FROM files").fetchall())
        for gone in known.keys() - sessions.keys():
            _forget(db, gone)
        for session_id, path in sessions.items():
            key = _file_key(path)
            if key is not None and known.get(session_id) == key[0]:
                continue
            if session_id in known:
                _forget(db, session_id)
            if key is not None:  # else it went away since the folder was listed
                _index(db, session_id, path, key)
        db.execute("COMMIT")
    except BaseException:
        if db.in_transaction:  # SQLite may have rolled it back itself
            db.execute("ROLLBACK")
        raise


def _index(db: sqlite3.Connection, session_id: str, path: Path, key: tuple[str, int]) -> None:
    file_key, updated_ns = key  # taken before reading: a change meanwhile is seen next time
    try:
        text = read_session_text(path)
    except FileNotFoundError:
        return  # deleted since the folder was listed
    except (OSError, SessionError) as exc:
        row = (session_id, file_key, updated_ns, "", str(exc) or type(exc).__name__)
        db.execute("INSERT INTO files VALUES (?, ?, ?, ?, ?)", row)
        return
    db.execute(
        "INSERT INTO files VALUES (?, ?, ?, ?, NULL)",
        (session_id, file_key, updated_ns, text.title),
    )
    # A session's passages take the next ids in its own order: search relies on that.
    (last,) = db.execute("SELECT coalesce(max(id), 0) FROM passages").fetchone()
    ids = range(last + 1, last + 1 + len(text.passages))
    db.executemany(
        "INSERT INTO passages VALUES (?, ?, ?, ?)",
        [(i, session_id, str(p.kind), p.turn) for i, p in zip(ids, text.passages, strict=True)],
    )
    db.executemany(
        "INSERT INTO passage_text (rowid, text) VALUES (?, ?)",
        [(i, p.text) for i, p in zip(ids, text.passages, strict=True)],
    )


def _forget(db: sqlite3.Connection, session_id: str) -> None:
    db.execute(
        "DELETE FROM passage_text WHERE rowid IN (SELECT id FROM passages WHERE session_id = ?)",
        (session_id,),
    )
    db.execute("DELETE FROM passages WHERE session_id = ?", (session_id,))
    db.execute("DELETE FROM files WHERE session_id = ?", (session_id,))


def _file_key(path: Path) -> tuple[str, int] | None:
    """What identifies the file's present state, and its modification time; None if it
    cannot be looked at."""
    try:
        info = os.stat(path)
    except OSError:
        return None
    key = f"{info.st_size}:{info.st_mtime_ns}:{info.st_ctime_ns}:{info.st_ino}:{info.st_dev}"
    return key, info.st_mtime_ns
