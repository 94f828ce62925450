"""Sessions: append-only JSON Lines files, resume, replay, playback and export. No UI.

`SessionStore` finds and opens sessions; `SessionRecorder` appends to one as a chat runs.
"""

from qwen_tui.sessions.errors import (
    SessionCorrupt,
    SessionError,
    SessionLocked,
    SessionNotFound,
    SessionTooNew,
    SessionUnreadable,
    SessionWriteError,
)
from qwen_tui.sessions.recorder import SessionRecorder
from qwen_tui.sessions.session import Session
from qwen_tui.sessions.store import SessionStore
from qwen_tui.sessions.summary import SessionSummary
from qwen_tui.sessions.timeline import Chunk

__all__ = [
    "Chunk",
    "Session",
    "SessionCorrupt",
    "SessionError",
    "SessionLocked",
    "SessionNotFound",
    "SessionRecorder",
    "SessionStore",
    "SessionSummary",
    "SessionTooNew",
    "SessionUnreadable",
    "SessionWriteError",
]
