"""Making a session file ready to be appended to, without reading all of it.

What must not be written is refused with one line: a symbolic link (appending would
write wherever it points), anything but a regular file, a read-only file (its mode says
the user froze it; root would otherwise write it anyway), a file that is no session.

A torn last line (no newline at its end) is dropped by truncating the file, in place:
that needs no free space, so it works on a full disk, and the file keeps its inode and
mode. A complete event that only lacks its newline gets the newline instead. Any line
that has its newline is never touched, however damaged it is.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

from qwen_tui.regular_files import file_kind
from qwen_tui.sessions.errors import SessionNotFound, SessionWriteError
from qwen_tui.sessions.lines import parse_record, session_lines
from qwen_tui.sessions.session import read_header

_CHUNK = 64 * 1024


def prepare_append(path: Path, session_id: str) -> None:
    """Check that session `session_id` in `path` may be appended to and make its file end
    with a complete line. Raises SessionNotFound, SessionWriteError, SessionCorrupt."""
    try:
        fd = os.open(path, os.O_RDWR | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC)
    except FileNotFoundError:
        raise SessionNotFound(f"no session {session_id} in {path.parent}") from None
    except OSError as exc:
        raise SessionWriteError(_refusal(path, session_id, exc)) from None
    info = os.fstat(fd)
    if not stat.S_ISREG(info.st_mode):
        os.close(fd)
        raise SessionWriteError(
            f"{path} is {file_kind(info.st_mode)}, not a session file; remove it"
        )
    with os.fdopen(fd, "r+b") as file:
        if not info.st_mode & 0o222:
            raise SessionWriteError(
                f"session {session_id} is read-only (its file {path} has mode "
                f"{stat.S_IMODE(info.st_mode):04o}); make it writable (chmod u+w) to continue it"
            )
        read_header(path, session_lines(file, path))  # never touch a file that is no session
        try:
            _complete_last_line(fd, info.st_size)
        except OSError as exc:
            raise SessionWriteError(
                f"could not prepare session {session_id} ({path}) for writing: "
                f"{exc.strerror or exc}"
            ) from None


def _complete_last_line(fd: int, size: int) -> None:
    """Truncate a torn last line away, or end a complete last event with its newline."""
    start = _last_line_start(fd, size)
    if start == size:
        return
    os.lseek(fd, start, os.SEEK_SET)
    tail = os.read(fd, size - start)
    try:
        parse_record(tail)
    except ValueError:
        os.ftruncate(fd, start)
    else:
        os.lseek(fd, size, os.SEEK_SET)
        os.write(fd, b"\n")
    os.fsync(fd)


def _last_line_start(fd: int, size: int) -> int:
    """The offset just past the file's last newline (0 if it has none)."""
    end = size
    while end > 0:
        begin = max(0, end - _CHUNK)
        os.lseek(fd, begin, os.SEEK_SET)
        chunk = os.read(fd, end - begin)
        newline = chunk.rfind(b"\n")
        if newline >= 0:
            return begin + newline + 1
        end = begin
    return 0


def _refusal(path: Path, session_id: str, exc: OSError) -> str:
    if path.is_symlink():
        return (
            f"{path} is a symbolic link; qwen-chat appends only to session files of its own: "
            "copy the file there in its place to continue it"
        )
    if path.is_dir():
        return f"{path} is a directory, not a session file; remove it"
    return f"cannot write session {session_id} ({path}): {exc.strerror or exc}"
