"""Where an export may be written, and writing it without losing what was there.

`sessions export -o FILE` and the chat's `/save FILE` share these guards: never into the
sessions directory (the export would replace a session, which then no longer loads), never
over a directory, and the caller asks before it replaces a file that exists. The file is
replaced atomically, so a failed write (a full disk) leaves the old file whole.
"""

from __future__ import annotations

import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

from qwen_tui import locations
from qwen_tui.sessions.errors import SessionError


@dataclass(frozen=True)
class ExportTarget:
    """The absolute path to write, and whether a file there would be replaced."""

    path: Path
    exists: bool


def export_target(output: Path, sessions_dir: Path | None = None) -> ExportTarget:
    """Check `output` (relative to the working directory, `~` expanded); raises SessionError
    with one line if an export must not go there."""
    path = Path(os.path.abspath(output.expanduser()))
    sessions = (sessions_dir or locations.sessions_dir()).resolve()
    if path.resolve().is_relative_to(sessions):
        raise SessionError(
            f"{path} is in the sessions directory, where it could replace a session; "
            "write the export elsewhere"
        )
    if path.is_dir():
        raise SessionError(f"{path} is a directory; give a file name to write the export to")
    return ExportTarget(path, os.path.lexists(path))


def write_export(path: Path, text: str) -> None:
    """Replace `path` with `text` (UTF-8) in one step; raises OSError, leaving no
    temporary file behind."""
    try:
        mode = os.stat(path).st_mode & 0o777  # a replaced file keeps its permissions
    except OSError:
        mode = 0o644
    fd, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        os.fchmod(fd, mode)
        with os.fdopen(fd, "wb") as file:
            file.write(text.encode("utf-8"))
            file.flush()
            os.fsync(file.fileno())
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
