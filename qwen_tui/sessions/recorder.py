"""`SessionRecorder`: appends a conversation's events to its session file as they happen.

Every event is one line, written and flushed at once; a finished assistant turn is also
synced to disk, so a crash loses at most the line being written. The file is created
with its header at the first event, so a chat closed before any message leaves nothing
behind. The recorder holds the session's lock until `close()`.
"""

from __future__ import annotations

import json
import os
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, BinaryIO

from qwen_tui.chat.messages import Message, Role
from qwen_tui.config import Settings
from qwen_tui.sessions.errors import SessionWriteError
from qwen_tui.sessions.files import sync_directory
from qwen_tui.sessions.lock import SessionLock
from qwen_tui.sessions.records import (
    Record,
    assistant_record,
    rename_record,
    resume_record,
    user_record,
)
from qwen_tui.sessions.timeline import Chunk

if TYPE_CHECKING:
    from qwen_tui.sessions.loader import Session


class SessionRecorder:
    """Writes one session. Call its methods from one thread (the UI's or the CLI's)."""

    def __init__(
        self,
        session_id: str,
        path: Path,
        lock: SessionLock,
        *,
        opening: list[Record],
        session: Session | None = None,
    ) -> None:
        """`opening` is written before the first event (a new session's header);
        `session` is the saved session this recorder continues, as read under the lock."""
        self._session_id = session_id
        self.path = path
        self._lock = lock
        self._opening = opening
        self.session = session
        self._file: BinaryIO | None = None
        self._closed = False

    @property
    def session_id(self) -> str:
        return self._session_id

    @property
    def written(self) -> bool:
        """True once anything has been written to the file by this recorder."""
        return self._file is not None

    def note_resume(self, *, settings: Settings, engine_name: str, model_name: str) -> None:
        """Precede the first new event with a `resume` event saying what this run uses."""
        if self.written:
            raise ValueError("note_resume must come before the first new event")
        self._opening.append(
            resume_record(settings=settings, engine_name=engine_name, model_name=model_name)
        )

    def note_history(self, messages: Sequence[Message]) -> None:
        """Precede the first new event with `messages`: the conversation so far, as another
        program sent it (a request to `qwen-chat serve`), so the session holds what the
        reply answered."""
        if self.written:
            raise ValueError("note_history must come before the first new event")
        for message in messages:
            is_user = message.role is Role.USER
            self._opening.append(user_record(message) if is_user else assistant_record(message, ()))

    def record_user(self, message: Message) -> None:
        """The user sent `message`."""
        self._write(user_record(message))

    def record_assistant(self, message: Message, timeline: Sequence[Chunk] = ()) -> None:
        """The reply finished (stopped, cut off, cancelled or failed), with when each piece
        of it streamed: one line, synced."""
        self._write(assistant_record(message, timeline), sync=True)

    def rename(self, title: str) -> None:
        title = " ".join(title.split())
        if not title:
            raise ValueError("a session title cannot be empty")
        self._write(rename_record(title), sync=True)

    def close(self) -> None:
        """Sync, close the file and release the lock. Safe to call twice."""
        if self._closed:
            return
        self._closed = True
        try:
            if self._file is not None:
                os.fsync(self._file.fileno())
                self._file.close()
        finally:
            self._lock.release()

    def __enter__(self) -> SessionRecorder:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _check_open(self) -> None:
        if self._closed:
            raise ValueError(f"the recorder of session {self._session_id} is closed")

    def _write(self, record: Record, sync: bool = False) -> None:
        self._check_open()
        try:
            file = self._file or self._open()
            file.write(_line(record))
            file.flush()
            if sync:
                os.fsync(file.fileno())
        except OSError as exc:
            raise SessionWriteError(
                f"could not save session {self._session_id} to {self.path}: {exc.strerror or exc}"
            ) from exc

    def _open(self) -> BinaryIO:
        new = not self.path.exists()
        if new:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            fd = os.open(self.path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_APPEND, 0o644)
            file = os.fdopen(fd, "ab")
        else:
            file = open(self.path, "ab")  # noqa: SIM115 - kept open until close()
        for record in self._opening:
            file.write(_line(record))
        file.flush()
        if new:
            os.fsync(file.fileno())
            sync_directory(self.path.parent)
        self._file = file
        return file


def _line(record: dict[str, Any]) -> bytes:
    return (json.dumps(record, ensure_ascii=False, separators=(",", ":")) + "\n").encode()
