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
from typing import Any

from qwen_tui.chat.fork_origin import ForkOrigin
from qwen_tui.chat.messages import Message, Role
from qwen_tui.chat.tuning import TunedValue
from qwen_tui.config import Settings
from qwen_tui.sessions.change_records import model_record, reset_record, set_record
from qwen_tui.sessions.errors import SessionWriteError
from qwen_tui.sessions.files import sync_directory
from qwen_tui.sessions.fork_records import fork_record
from qwen_tui.sessions.lock import SessionLock
from qwen_tui.sessions.records import (
    Record,
    assistant_record,
    now_stamp,
    rename_record,
    resume_record,
    system_record,
    user_record,
)
from qwen_tui.sessions.reply_records import regenerate_record, reply_shown_record
from qwen_tui.sessions.timeline import Chunk
from qwen_tui.sessions.tool_records import tool_record, tools_record


class SessionRecorder:
    """Writes one session. Call its methods from one thread (the UI's or the CLI's)."""

    def __init__(
        self,
        session_id: str,
        path: Path,
        lock: SessionLock,
        *,
        opening: list[Record],
    ) -> None:
        self._session_id = session_id
        self.path = path
        self._lock = lock
        self._opening = opening  # written before the first event: header or resume marker
        self._fd: int | None = None
        self._size = 0  # bytes in the file after the last complete write
        self._closed = False

    @property
    def session_id(self) -> str:
        return self._session_id

    @property
    def written(self) -> bool:
        """True once anything has been written to the file by this recorder."""
        return self._fd is not None

    def note_resume(self, *, settings: Settings, engine_name: str, model_name: str) -> None:
        """Precede the first new event with a `resume` event saying what this run uses."""
        if self.written:
            raise ValueError("note_resume must come before the first new event")
        self._opening.append(
            resume_record(settings=settings, engine_name=engine_name, model_name=model_name)
        )

    def note_fork(self, origin: ForkOrigin) -> None:
        """Precede the first new event with a `fork` event: this session continues
        `origin` from one of its messages (its history then comes by `note_history`)."""
        if self.written:
            raise ValueError("note_fork must come before the first new event")
        self._opening.append(fork_record(origin, now_stamp()))

    def note_history(self, messages: Sequence[Message]) -> None:
        """Precede the first new event with `messages`: the conversation so far, as another
        program sent it (a request to `qwen-chat serve`), so the session holds what the
        reply answered."""
        if self.written:
            raise ValueError("note_history must come before the first new event")
        for message in messages:
            if message.role is Role.USER:
                self._opening.append(user_record(message))
            elif message.role is Role.TOOL:
                self._opening.append(tool_record(message, now_stamp()))
            else:
                self._opening.append(assistant_record(message, ()))

    def record_system_prompt(self, prompt: str) -> None:
        """The system prompt changed for the turns that follow."""
        self._write(system_record(prompt))

    def record_set(self, name: str, value: TunedValue) -> None:
        """`/set NAME VALUE` for the turns that follow."""
        self._write(set_record(name, value, now_stamp()))

    def record_reset(self, name: str) -> None:
        """`/set NAME default`: NAME is back to where it came from."""
        self._write(reset_record(name, now_stamp()))

    def record_model(self, *, settings: Settings, engine_name: str, model_name: str) -> None:
        """The conversation goes on with another model; before the first event, with it
        (a switch alone leaves no file behind)."""
        record = model_record(
            settings=settings, engine_name=engine_name, model_name=model_name, at=now_stamp()
        )
        if self.written:
            self._write(record)
        else:
            self._opening.append(record)

    def record_user(self, message: Message) -> None:
        """The user sent `message`."""
        self._write(user_record(message))

    def record_assistant(self, message: Message, timeline: Sequence[Chunk] = ()) -> None:
        """The reply finished (stopped, cut off, cancelled or failed), with when each piece
        of it streamed: one line, synced."""
        self._write(assistant_record(message, timeline), sync=True)

    def record_tool(self, message: Message) -> None:
        """A tool call's result (or its error, or its denial), `message` of `Role.TOOL`."""
        self._write(tool_record(message, now_stamp()))

    def record_regenerate(self) -> None:
        """The last user message is answered again; the reply records that follow are
        its new reply."""
        self._write(regenerate_record())

    def record_reply_shown(self, turns_back: int, position: int) -> None:
        """The user message `turns_back` before the last shows its reply at `position`."""
        self._write(reply_shown_record(turns_back, position))

    def record_tools(self, specs: Sequence[dict[str, Any]]) -> None:
        """The tools offered to the model from now on."""
        self._write(tools_record(specs, now_stamp()))

    def rename(self, title: str) -> None:
        """Name the session. A rename is not a use of it: the file keeps its time of last
        use, so the sessions list (most recently used first) keeps its order."""
        title = " ".join(title.split())
        if not title:
            raise ValueError("a session title cannot be empty")
        try:
            used = self.path.stat()
        except FileNotFoundError:  # the rename is the session's first event
            used = None
        self._write(rename_record(title), sync=True)
        if used is not None:
            os.utime(self.path, ns=(used.st_atime_ns, used.st_mtime_ns))

    def close(self) -> None:
        """Sync, close the file and release the lock. Safe to call twice."""
        if self._closed:
            return
        self._closed = True
        fd, self._fd = self._fd, None
        try:
            if fd is not None:
                try:
                    os.fsync(fd)
                except OSError as exc:
                    raise self._failure(exc) from None
                finally:
                    os.close(fd)
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
            fd = self._fd if self._fd is not None else self._open()
            self._append(fd, _line(record))
            if sync:
                os.fsync(fd)
        except OSError as exc:
            raise self._failure(exc) from exc

    def _append(self, fd: int, data: bytes) -> None:
        """Write `data` at the end, or leave the file as it was: a write cut short (a full
        disk) is truncated away, so the session keeps no torn line."""
        try:
            view = memoryview(data)
            while view:
                view = view[os.write(fd, view) :]
        except OSError:
            try:
                os.ftruncate(fd, self._size)
            except OSError:
                pass  # the torn line is skipped on load and dropped before the next append
            raise
        self._size += len(data)

    def _open(self) -> int:
        """Open the file (creating it with its opening records); `self._fd` once it worked."""
        flags = os.O_WRONLY | os.O_APPEND | os.O_NOFOLLOW | os.O_CLOEXEC
        new = not os.path.lexists(self.path)
        if new:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            flags |= os.O_CREAT | os.O_EXCL
        fd = os.open(self.path, flags, 0o644)
        try:
            self._size = os.fstat(fd).st_size
            self._append(fd, b"".join(_line(record) for record in self._opening))
            if new:
                os.fsync(fd)
                sync_directory(self.path.parent)
        except OSError:
            os.close(fd)
            if new:  # a session that could not even start leaves no empty file behind
                self.path.unlink(missing_ok=True)
            raise
        self._fd = fd
        return fd

    def _failure(self, exc: OSError) -> SessionWriteError:
        return SessionWriteError(
            f"could not save session {self._session_id} to {self.path}: {exc.strerror or exc}"
        )


def _line(record: dict[str, Any]) -> bytes:
    return (json.dumps(record, ensure_ascii=False, separators=(",", ":")) + "\n").encode()
