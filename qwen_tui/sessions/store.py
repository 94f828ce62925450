"""`SessionStore`: the sessions directory — create, list, load, continue, rename, delete.

One `<id>.jsonl` file per session in `locations.sessions_dir()`. Files are only ever
appended to; the one rewrite (dropping a torn last line before appending after it)
goes through a temporary file and an atomic rename.
"""

from __future__ import annotations

from pathlib import Path

from qwen_tui import locations
from qwen_tui.config import Settings
from qwen_tui.sessions.errors import (
    SessionError,
    SessionLocked,
    SessionNotFound,
    SessionWriteError,
)
from qwen_tui.sessions.files import atomic_write
from qwen_tui.sessions.ids import ids_matching, is_session_id, new_session_id
from qwen_tui.sessions.loader import Session, load_session_file
from qwen_tui.sessions.lock import SessionLock
from qwen_tui.sessions.recorder import SessionRecorder
from qwen_tui.sessions.records import header_record
from qwen_tui.sessions.summary import SessionSummary, summarize

SUFFIX = ".jsonl"


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
            if self.path_for(session_id).exists():
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
        """A recorder that continues `session_id`, holding its lock; `recorder.session` is
        the session as read once the lock was held. Raises SessionLocked if another process
        writes it, SessionCorrupt/SessionTooNew if it cannot be read."""
        lock = self._locked(session_id)
        try:
            session = self.load(session_id)
            _drop_torn_tail(session)
        except BaseException:
            lock.release()
            raise
        return SessionRecorder(session_id, session.path, lock, opening=[], session=session)

    def load(self, session_id: str) -> Session:
        path = self.path_for(session_id)
        try:
            session = load_session_file(path)
        except FileNotFoundError:
            raise SessionNotFound(f"no session {session_id} in {self.root}") from None
        # A file copied by hand keeps the original's id in its header; here a session is
        # its file, so continuing the copy must not write to the original.
        session.id = session_id
        return session

    def ids(self) -> list[str]:
        if not self.root.is_dir():
            return []
        return sorted(
            p.name.removesuffix(SUFFIX)
            for p in self.root.glob(f"*{SUFFIX}")
            if is_session_id(p.name.removesuffix(SUFFIX))
        )

    def list(self) -> list[SessionSummary]:
        """Every session, most recently used first; unreadable ones carry `problem`."""
        summaries = [summarize(id_, self.path_for(id_)) for id_ in self.ids()]
        return sorted(summaries, key=lambda s: s.updated, reverse=True)

    def latest_id(self) -> str | None:
        """The most recently used readable session, or None."""
        return next((s.id for s in self.list() if s.problem is None), None)

    def resolve(self, query: str) -> str:
        """The full id that `query` (an id, or a unique prefix of one or of its suffix) names."""
        found = ids_matching(query, self.ids())
        if len(found) == 1:
            return found[0]
        if not found:
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
        if not path.exists():
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


def _drop_torn_tail(session: Session) -> None:
    """Make the file end with a complete line before anything is appended to it."""
    data = session.path.read_bytes()
    good = data[: session.good_length]
    if good == data and data.endswith(b"\n"):
        return
    if not good.endswith(b"\n"):
        good += b"\n"
    atomic_write(session.path, good)
