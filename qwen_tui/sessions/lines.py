"""The lines of a session file, read one at a time, and each line parsed into a record.

Only a last line without its newline is torn (a process killed while writing it: every
event is one write that ends with the newline). A line that has its newline but cannot be
read is damage, wherever it is. JSON nested too deeply for the parser is refused like any
other unreadable line; `nesting_within` checks what a session keeps as it is (the
header's settings), so no later step (export, the UI) meets a structure that exhausts
the stack.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any, BinaryIO, NamedTuple

from qwen_tui.regular_files import GIB, UnreadableFile, open_regular_file
from qwen_tui.sessions.errors import SessionUnreadable

MAX_SESSION_BYTES = 4 * GIB
"""Larger files are refused unread: no conversation of a 131,072-token model comes close."""
MAX_DEPTH = 16
"""Nesting the header may have; the app's own records have at most 4 levels."""

Record = dict[str, Any]


class Line(NamedTuple):
    """One non-blank line: its 1-based number, the byte offset just past it, its bytes.
    (A tuple, not a dataclass: a long session has hundreds of thousands of them.)"""

    number: int
    end: int
    raw: bytes
    complete: bool
    """False for a last line without its newline: torn while it was written."""


def open_session_file(path: Path) -> BinaryIO:
    """`path` open for reading; raises SessionUnreadable when it cannot or must not be read
    (FileNotFoundError passes through)."""
    try:
        return open_regular_file(path, max_bytes=MAX_SESSION_BYTES)
    except UnreadableFile as exc:
        raise SessionUnreadable(str(exc)) from None


def session_lines(file: BinaryIO, path: Path) -> Iterator[Line]:
    """Every non-blank line of `file`, in order, without holding more than one in memory."""
    offset = 0
    try:
        for number, raw in enumerate(file, start=1):
            offset += len(raw)
            complete = raw[-1:] == b"\n"
            content = raw[:-1] if complete else raw
            if content.strip(b" \t\r\x00"):
                yield Line(number, offset, content, complete)
    except OSError as exc:
        raise SessionUnreadable(f"{path}: cannot read it ({exc.strerror or exc})") from None


def parse_record(raw: bytes) -> Record:
    """The JSON object on a line; ValueError (with a short reason) for anything else."""
    try:
        record = json.loads(raw.decode("utf-8"))
    except RecursionError:
        raise ValueError("nested too deeply") from None
    if not isinstance(record, dict):
        raise ValueError("not a JSON object")
    return record


def nesting_within(value: object, limit: int) -> bool:
    """True if `value` nests lists and objects at most `limit` levels (no recursion)."""
    pending: list[tuple[Any, int]] = [(value, 1)]
    while pending:
        item, depth = pending.pop()
        children: Iterable[Any]
        if isinstance(item, dict):
            children = item.values()
        elif isinstance(item, list):
            children = item
        else:
            continue
        if depth > limit:
            return False
        pending.extend((child, depth + 1) for child in children)
    return True
