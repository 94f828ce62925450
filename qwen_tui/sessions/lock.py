"""An exclusive per-session lock, so two qwen-chat processes never write one session.

The lock is `fcntl.flock` on a small file in `<sessions>/.locks/`, not on the session
file itself, because a session file may be replaced by an atomic rename. The kernel
drops the lock when its process dies, so a crash never leaves a session locked.
"""

from __future__ import annotations

import fcntl
import os
from pathlib import Path

from qwen_tui.sessions.errors import SessionLocked


class SessionLock:
    """Held from `acquire()` until `release()`; raises SessionLocked if another holds it."""

    def __init__(self, path: Path, session_id: str) -> None:
        self.path = path
        self.session_id = session_id
        self._fd: int | None = None

    @property
    def held(self) -> bool:
        return self._fd is not None

    def acquire(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        while True:
            fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                holder = os.read(fd, 32).decode(errors="replace").strip()
                os.close(fd)
                raise SessionLocked(_locked_message(self.session_id, holder)) from None
            # A holder that released may have unlinked the file meanwhile: lock the live one.
            if _same_file(fd, self.path):
                break
            os.close(fd)
        os.ftruncate(fd, 0)
        os.write(fd, str(os.getpid()).encode())
        self._fd = fd

    def release(self, remove: bool = True) -> None:
        """Drop the lock; `remove` deletes the lock file first (safe while still held)."""
        if self._fd is None:
            return
        if remove:
            self.path.unlink(missing_ok=True)
        os.close(self._fd)
        self._fd = None

    def __enter__(self) -> SessionLock:
        self.acquire()
        return self

    def __exit__(self, *exc: object) -> None:
        self.release()


def _same_file(fd: int, path: Path) -> bool:
    try:
        return os.fstat(fd).st_ino == os.stat(path).st_ino
    except FileNotFoundError:
        return False


def _locked_message(session_id: str, holder: str) -> str:
    who = f"qwen-chat process {holder}" if holder.isdigit() else "another qwen-chat process"
    return f"session {session_id} is open in {who}; close it there first"
