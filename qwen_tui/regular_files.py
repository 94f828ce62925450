"""Reading the files a user can point qwen-chat at, safely: regular files only, size-capped.

A FIFO would block a read forever and `/dev/zero` would fill memory, so a file is opened
without blocking, checked to be a regular file no larger than its cap, and only then read.
Every refusal is an `UnreadableFile` whose message is one line naming the path.
"""

from __future__ import annotations

import errno
import os
import stat
from pathlib import Path
from typing import BinaryIO

KIB = 1024
MIB = 1024 * KIB
GIB = 1024 * MIB


class UnreadableFile(Exception):
    """A file that cannot or must not be read; `reason` says why in a few words."""

    def __init__(self, path: Path, reason: str) -> None:
        super().__init__(f"{path}: {reason}")
        self.path = path
        self.reason = reason


def open_regular_file(path: Path, *, max_bytes: int) -> BinaryIO:
    """`path` opened for binary reading once it is known to be a regular file of at most
    `max_bytes`; raises UnreadableFile otherwise (FileNotFoundError passes through, so
    callers can treat a missing file as absent)."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC)
    except FileNotFoundError:
        raise
    except OSError as exc:
        raise UnreadableFile(path, os_reason(exc)) from exc
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise UnreadableFile(path, f"{file_kind(info.st_mode)}, not a regular file")
        if info.st_size > max_bytes:
            raise UnreadableFile(
                path, f"{size_text(info.st_size)}, over the {size_text(max_bytes)} it may have"
            )
        os.set_blocking(fd, True)
        return os.fdopen(fd, "rb")
    except BaseException:
        os.close(fd)
        raise


def read_regular_file(path: Path, *, max_bytes: int) -> bytes:
    """The whole of `path`, with the checks of `open_regular_file`. A file that grows past
    `max_bytes` while it is read is refused too."""
    with open_regular_file(path, max_bytes=max_bytes) as file:
        try:
            data = file.read(max_bytes + 1)
        except OSError as exc:
            raise UnreadableFile(path, os_reason(exc)) from exc
    if len(data) > max_bytes:
        raise UnreadableFile(path, f"larger than the {size_text(max_bytes)} it may have")
    return data


def os_reason(exc: OSError) -> str:
    """A few words for an OSError, e.g. "cannot read it (Permission denied)"."""
    if exc.errno == errno.ELOOP:
        return "a symbolic link that loops (or too many links); fix or remove the link"
    if exc.errno == errno.EISDIR:
        return "a directory, not a regular file"
    return f"cannot read it ({exc.strerror or exc})"


def file_kind(mode: int) -> str:
    """What a non-regular file is, in words."""
    for test, kind in (
        (stat.S_ISDIR, "a directory"),
        (stat.S_ISFIFO, "a named pipe (FIFO)"),
        (stat.S_ISCHR, "a character device"),
        (stat.S_ISBLK, "a block device"),
        (stat.S_ISSOCK, "a socket"),
    ):
        if test(mode):
            return kind
    return "a special file"


def size_text(size: int) -> str:
    """A byte count for people: 512 bytes, 3.0 KiB, 1.5 GiB."""
    for unit, scale in (("GiB", GIB), ("MiB", MIB), ("KiB", KIB)):
        if size >= scale:
            return f"{size / scale:.1f} {unit}"
    return f"{size} bytes"
