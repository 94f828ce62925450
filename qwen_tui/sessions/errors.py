"""Session errors: each message is one line a user can act on."""

from __future__ import annotations


class SessionError(Exception):
    """Any problem with a saved session; `str()` is one readable line."""


class SessionNotFound(SessionError):
    """No session has that id (or no id starts with the typed prefix)."""


class SessionCorrupt(SessionError):
    """A line of a session file cannot be read; the message names the file and line."""


class SessionUnreadable(SessionCorrupt):
    """The file cannot be read at all: permissions, a directory or a FIFO in its place, a
    symbolic link that loops, or a size no session has."""


class SessionTooNew(SessionError):
    """The file was written by a newer qwen-tui with a schema this version cannot read."""


class SessionLocked(SessionError):
    """Another qwen-chat process is writing this session."""


class SessionWriteError(SessionError):
    """Saving failed (disk full, permissions, ...)."""
