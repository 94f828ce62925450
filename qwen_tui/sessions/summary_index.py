"""A cache of list rows, so listing sessions reads only the files that changed since.

`<sessions>/.summaries.json` keeps, for each session, its row and what its file was when
the row was made (size, modification and change times, inode). A file that is still so is
not opened again; any other is read as `summarize` reads it. A file changed in the last
two seconds is not cached, since a second change within one tick of the file system's
clock would leave its times as they were. The session files stay the
only source of truth: the cache is rebuilt from them when it is missing, damaged or of
another version, and failing to write it (a read-only folder, a full disk) changes
nothing but speed.
"""

from __future__ import annotations

import json
import os
import tempfile
import time
from dataclasses import asdict, fields
from pathlib import Path
from typing import Any, TypeGuard

from qwen_tui.regular_files import MIB, UnreadableFile, read_regular_file
from qwen_tui.sessions.summary import SessionSummary, file_changed_at, summarize

INDEX_NAME = ".summaries.json"
_VERSION = 1
_SETTLED_NS = 2_000_000_000
_CACHED = [f.name for f in fields(SessionSummary) if f.name not in ("id", "path", "updated")]


class SummaryIndex:
    """The cached rows of the sessions in `root`; `save()` writes back what changed."""

    def __init__(self, root: Path) -> None:
        self.path = root / INDEX_NAME
        self._entries = _read(self.path)
        self._changed = False

    def summary(self, session_id: str, path: Path) -> SessionSummary:
        """The list row of `path`, from the cache if the file has not changed since."""
        key = _file_key(path)
        entry = self._entries.get(session_id)
        if key is not None and isinstance(entry, dict) and entry.get("file") == key:
            row = entry.get("row")
            if _valid_row(row):
                return SessionSummary(session_id, path, file_changed_at(path), **row)
        summary = summarize(session_id, path)
        if key is not None and time.time_ns() - max(key[1], key[2]) > _SETTLED_NS:
            # The key was taken before reading: a change meanwhile is seen next time. A file
            # changed just now could change again within its clock tick, unseen: not kept.
            row = {name: value for name, value in asdict(summary).items() if name in _CACHED}
            self._entries[session_id] = {"file": key, "row": row}
            self._changed = True
        return summary

    def save(self, session_ids: list[str]) -> None:
        """Keep only `session_ids` and write the cache if anything changed; best effort."""
        kept = {i: e for i, e in self._entries.items() if i in session_ids}
        if not self._changed and kept.keys() == self._entries.keys():
            return
        data = json.dumps({"version": _VERSION, "sessions": kept}, ensure_ascii=False)
        try:
            fd, temporary = tempfile.mkstemp(dir=self.path.parent, prefix=f"{INDEX_NAME}.")
            try:
                with os.fdopen(fd, "w", encoding="utf-8") as file:
                    file.write(data)
                os.replace(temporary, self.path)
            except BaseException:
                Path(temporary).unlink(missing_ok=True)
                raise
        except OSError:
            return  # only a cache: the next listing reads the files again


def _valid_row(row: object) -> TypeGuard[dict[str, Any]]:
    """A row as `summary` writes it (the cache may have been edited by hand)."""
    if not isinstance(row, dict) or set(row) != set(_CACHED):
        return False
    texts = all(isinstance(row[k], str) for k in ("title", "created", "model", "engine"))
    ids = ("replay_of", "problem", "forked_from")
    optional = all(row[k] is None or isinstance(row[k], str) for k in ids)
    counts = [row["turns"]] + ([] if row["forked_at"] is None else [row["forked_at"]])
    whole = all(isinstance(n, int) and not isinstance(n, bool) for n in counts)
    return texts and optional and whole


def _file_key(path: Path) -> list[int] | None:
    """What identifies the file's present state, or None if it cannot be looked at."""
    try:
        info = os.stat(path)
    except OSError:
        return None
    return [info.st_size, info.st_mtime_ns, info.st_ctime_ns, info.st_ino, info.st_dev]


def _read(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(read_regular_file(path, max_bytes=64 * MIB))
    except (OSError, UnreadableFile, ValueError, RecursionError):
        return {}
    if not isinstance(data, dict) or data.get("version") != _VERSION:
        return {}
    sessions = data.get("sessions")
    return sessions if isinstance(sessions, dict) else {}
