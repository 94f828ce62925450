"""Saved sessions for the sessions-screen tests, with fixed ids and dates."""

from __future__ import annotations

import io
import os
from datetime import datetime

from rich.console import Console
from ui_harness import ready

from qwen_tui.chat.messages import Conversation
from qwen_tui.sessions import SessionStore
from qwen_tui.sessions import store as store_module
from qwen_tui.ui.screens.sessions_screen import SessionsScreen
from qwen_tui.ui.widgets.session_list import SessionList
from tests.sessions.helpers import record

SESSIONS = [
    # id, first question, answer, last used
    (
        "250314-0930-k3f9",
        "How do I reverse a string in Python?",
        "Use text[::-1].",
        "2025-03-14 09:41",
    ),
    (
        "250312-1805-p7qa",
        "Explain the KV cache in two lines",
        "It keeps keys and values.",
        "2025-03-12 18:12",
    ),
]
BROKEN_ID = "250310-0800-zz2x"


def save_sessions(monkeypatch, store: SessionStore | None = None) -> SessionStore:
    """Two readable sessions (one exchange each) and one corrupt file, oldest last."""
    store = store or SessionStore()
    for session_id, question, answer, used in SESSIONS:
        monkeypatch.setattr(
            store_module, "new_session_id", lambda session_id=session_id: session_id
        )
        conversation = Conversation()
        conversation.add_user(question)
        conversation.add_assistant(answer)
        record(store, conversation)
        _touch(store.path_for(session_id), used)
    broken = store.path_for(BROKEN_ID)
    broken.write_text('{"type": "session", "schema": 1, "id": "x", "created": "x"}\nnot json\n{}\n')
    _touch(broken, "2025-03-10 08:00")
    return store


def _touch(path: os.PathLike, when: str) -> None:
    stamp = datetime.strptime(when, "%Y-%m-%d %H:%M").timestamp()
    os.utime(path, (stamp, stamp))


def listed_rows(app) -> list[str]:
    """Each session the sessions screen lists, as the user reads it, one string per entry
    (none while the list is hidden)."""
    listing = app.screen.query_one(SessionList)
    console = Console(width=100, record=True, file=io.StringIO())
    rows = []
    for index in range(listing.option_count):
        console.print(listing.get_option_at_index(index).prompt)
        rows.append(" ".join(console.export_text().split()))
    return rows if listing.display else []


async def open_sessions_screen(pilot, *, highlight: str | None = None) -> SessionsScreen:
    """F4 once the chat is ready, with the session `highlight` (if any) highlighted."""
    await ready(pilot)
    await pilot.press("f4")
    screen = pilot.app.screen
    assert isinstance(screen, SessionsScreen)
    if highlight is not None:
        listing = screen.query_one(SessionList)
        listing.highlighted = list(listing.summaries).index(highlight)
    await pilot.pause()
    return screen
