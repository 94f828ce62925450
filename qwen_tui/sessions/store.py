"""`SessionStore`: the sessions directory — create, list, load, continue, rename, delete.

One `<id>.jsonl` file per session in `locations.sessions_dir()`. Files are only ever
appended to; the one change to what is there (dropping a torn last line before appending
after it) truncates the file in place, see `tail.py`.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

from qwen_tui import locations
from qwen_tui.config import Settings
from qwen_tui.sessions.errors import (
    SessionError,
    SessionLocked,
    SessionNotFound,
    SessionWriteError,
)
from qwen_tui.sessions.ids import ids_matching, is_session_id, new_session_id
from qwen_tui.sessions.loader import SessionReading, check_session_file, load_session_file
from qwen_tui.sessions.lock import SessionLock
from qwen_tui.sessions.recorder import SessionRecorder
from qwen_tui.sessions.records import header_record
from qwen_tui.sessions.session import Session
from qwen_tui.sessions.summary import SessionSummary, scan_facts
from qwen_tui.sessions.summary_index import SummaryIndex
from qwen_tui.sessions.tail import prepare_append

SUFFIX = ".jsonl"
_Read = TypeVar("_Read", Session, SessionReading)


class SessionStore:
    def __init__(self, root: Path | None = None) -> None:
        self.root = root or locations.sessions_dir()

    def path_for(self, session_id: str) -> Path:
        if not is_session_id(session_id):
            raise SessionNotFound(f"'{session_id}' is not a session id")
        return self.root / f"{session_id}{SUFFIX}"

    def create(
        self,
        settings: Settings,
        *,
        engine_name: str,
        model_name: str,
        replay_of: str | None = None,
    ) -> SessionRecorder:
        """A recorder for a new session; its file appears with the first event."""
        while True:
            session_id = new_session_id()
            if os.path.lexists(self.path_for(session_id)):
                continue
            try:
                lock = self._locked(session_id)
            except SessionLocked:  # another process just picked the same id
                continue
            break
        header = header_record(
            session_id,
            settings=settings,
            engine_name=engine_name,
            model_name=model_name,
            replay_of=replay_of,
        )
        return SessionRecorder(session_id, self.path_for(session_id), lock, opening=[header])

    def open_for_append(self, session_id: str) -> SessionRecorder:
        """A recorder that continues `session_id`, holding its lock (read the session with
        `load` once it is held). Raises SessionLocked if another process writes it,
        SessionWriteError if its file must not be written (a symbolic link, read-only, ...),
        SessionCorrupt if it is no session."""
        path = self.path_for(session_id)
        lock = self._locked(session_id)
        try:
            prepare_append(path, session_id)
        except BaseException:
            lock.release()
            raise
        return SessionRecorder(session_id, path, lock, opening=[])

    def load(self, session_id: str) -> Session:
        """The whole session; raises SessionNotFound, SessionCorrupt, SessionTooNew."""
        return self._opened(session_id, load_session_file)

    def check(self, session_id: str) -> Session:
        """The session read and checked as `load` does, its conversation holding only the
        first question: for commands that then stream it with `read`."""
        return self._opened(session_id, check_session_file)

    def facts(self, session_id: str) -> Session:
        """The header, renames and last resume event, without parsing the replies (fast at
        any size): what the session last ran with, for a command that is about to start."""
        return self._opened(session_id, lambda path: scan_facts(path)[0])

    def read(self, session_id: str) -> SessionReading:
        """The session opened to be read message by message (see `SessionReading`)."""
        return self._opened(session_id, SessionReading)

    def _opened(self, session_id: str, how: Callable[[Path], _Read]) -> _Read:
        try:
            result = how(self.path_for(session_id))
        except FileNotFoundError:
            raise SessionNotFound(f"no session {session_id} in {self.root}") from None
        # A file copied by hand keeps the original's id in its header; here a session is
        # its file, so continuing the copy must not write to the original.
        session = result.session if isinstance(result, SessionReading) else result
        session.id = session_id
        return result

    def ids(self) -> list[str]:
        """Every session id in the directory, whatever its file is (unreadable ones too)."""
        try:
            names = os.listdir(self.root)
        except (FileNotFoundError, NotADirectoryError):
            return []
        except OSError as exc:
            raise SessionError(
                f"cannot read the sessions directory {self.root} ({exc.strerror or exc}); "
                "fix its permissions or set QWEN_TUI_DATA_DIR to another folder"
            ) from None
        found = (n.removesuffix(SUFFIX) for n in names if n.endswith(SUFFIX))
        return sorted(i for i in found if is_session_id(i))

    def list(self) -> list[SessionSummary]:
        """Every session, most recently used first; unreadable ones carry `problem`."""
        ids = self.ids()
        index = SummaryIndex(self.root)
        summaries = [index.summary(id_, self.path_for(id_)) for id_ in ids]
        index.save(ids)
        return sorted(summaries, key=lambda s: s.updated, reverse=True)

    def latest_id(self) -> str | None:
        """The most recently used readable session, or None."""
        return next((s.id for s in self.list() if s.problem is None), None)

    def resolve(self, query: str, *, whole: bool = False) -> str:
        """The full id that `query` (an id, or a unique prefix of one or of its suffix) names.
        With `whole`, as for deleting, only a full id or a full random suffix will do, so
        a key typed by mistake never picks the one session it happens to prefix."""
        found = ids_matching(query, self.ids(), whole=whole)
        if len(found) == 1:
            return found[0]
        if not found:
            if whole and ids_matching(query, self.ids()):
                raise SessionNotFound(
                    f"'{query}' is only the start of a session id; give the whole id or its "
                    "last part (`qwen-chat sessions list` shows them)"
                )
            raise SessionNotFound(
                f"no session matches '{query}'; `qwen-chat sessions list` shows them"
            )
        shown = ", ".join(found[:5]) + (", …" if len(found) > 5 else "")
        raise SessionError(f"'{query}' matches {len(found)} sessions ({shown}); type more of it")

    def rename(self, session_id: str, title: str) -> None:
        with self.open_for_append(session_id) as recorder:
            recorder.rename(title)

    def delete(self, session_id: str) -> None:
        """Remove the session's file; refuses while another process writes it."""
        path = self.path_for(session_id)
        if not os.path.lexists(path):  # a symbolic link that loops is deleted too
            raise SessionNotFound(f"no session {session_id} in {self.root}")
        lock = self._locked(session_id)
        try:
            path.unlink()
        except OSError as exc:
            raise SessionWriteError(f"cannot delete {path}: {exc.strerror or exc}") from exc
        finally:
            lock.release()

    def _locked(self, session_id: str) -> SessionLock:
        """The session's lock, held. Raises SessionLocked, or SessionWriteError when the
        sessions directory cannot be written (read-only, not a directory, ...)."""
        lock = SessionLock(self.root / ".locks" / f"{session_id}.lock", session_id)
        try:
            lock.acquire()
        except OSError as exc:
            raise SessionWriteError(
                f"cannot save sessions in {self.root} ({exc.strerror or exc}); "
                "make it writable or set QWEN_TUI_DATA_DIR to another folder"
            ) from exc
        return lock
