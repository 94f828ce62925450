"""The sessions screen's filter box: it searches the sessions as the user types, in a
thread (the search reads the index, and builds it the first time), and posts what it
found as a `SessionFilter.Matched` message."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from textual import work
from textual.binding import Binding, BindingType
from textual.message import Message
from textual.widgets import Input
from textual.worker import get_current_worker

from qwen_tui.sessions import SessionError, SessionStore
from qwen_tui.sessions.search import SessionMatch, search_sessions
from qwen_tui.sessions.search_text import SearchQueryError

PLACEHOLDER = "Search questions and answers (/)"


class SessionFilter(Input):
    """An Input whose every change starts a search of `store`; Down goes to the list."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("down", "app.focus_next", "To the list", show=False),
    ]

    @dataclass
    class Matched(Message):
        """The sessions that hold `text`, by id; None when the box holds no word (no
        filter: every session is shown)."""

        text: str
        matches: dict[str, SessionMatch] | None

    @dataclass
    class Failed(Message):
        """The search could not run (the sessions folder cannot be read)."""

        problem: str

    def __init__(self, store: SessionStore, *, id: str | None = None) -> None:
        super().__init__(placeholder=PLACEHOLDER, id=id)
        self.store = store

    def on_input_changed(self, event: Input.Changed) -> None:
        self.search_again()  # the event goes on up: the screen shows that it searches

    def search_again(self) -> None:
        """Search for what the box holds now (after the sessions changed, too)."""
        self._search(self.value)

    @work(thread=True, exclusive=True, exit_on_error=False, group="session-search")
    def _search(self, text: str) -> None:
        try:
            results = search_sessions(self.store, text)
        except SearchQueryError:
            matched = None  # a box with no word filters nothing
        except SessionError as exc:
            self.post_message(self.Failed(str(exc)))
            return
        else:
            matched = {match.session_id: match for match in results.matches}
        if not get_current_worker().is_cancelled:  # a later keystroke asked again
            self.post_message(self.Matched(text, matched))
