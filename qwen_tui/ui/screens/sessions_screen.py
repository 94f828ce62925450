"""The sessions screen (F4, /sessions or the palette): every saved session, to open one in
this chat and go on with it, rename it, or delete it; the filter box above the list (/)
narrows it to the sessions that hold what is typed there."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, OptionList, Static

from qwen_tui.chat.terminal_text import visible_controls
from qwen_tui.sessions import SessionError, SessionRecorder, SessionStore, SessionSummary
from qwen_tui.sessions.search import SessionMatch
from qwen_tui.ui.keymap import SESSIONS_BINDINGS
from qwen_tui.ui.screens.confirm_screen import ConfirmScreen
from qwen_tui.ui.screens.rename_screen import RenameScreen
from qwen_tui.ui.widgets.session_filter import SessionFilter
from qwen_tui.ui.widgets.session_list import SessionList

HINT = "Enter open · / search · R rename · D delete · Esc close"
EMPTY = "No saved sessions yet. Every conversation is saved as you go."
NO_MATCH = "No session holds {text!r} in its questions or answers."

SessionOpener = Callable[[str], Awaitable[bool]]
"""Continues a session in the chat; False (after telling the user why) if it could not."""


class SessionsScreen(ModalScreen[None]):
    """The list comes from `store`; `current` is the session this chat writes now (it is
    renamed through its own recorder and cannot be deleted while open)."""

    BINDINGS: ClassVar[list[BindingType]] = list(SESSIONS_BINDINGS)

    def __init__(
        self,
        store: SessionStore,
        *,
        current: SessionRecorder | None,
        open_session: SessionOpener,
    ) -> None:
        super().__init__()
        self.store = store
        self.current = current
        self.open_session = open_session
        self._summaries: list[SessionSummary] = []
        self._matches: dict[str, SessionMatch] | None = None  # None: not filtered
        self._filtered_by = ""

    @property
    def current_id(self) -> str | None:
        return self.current.session_id if self.current is not None else None

    def compose(self) -> ComposeResult:
        with Vertical(id="sessions-panel"):
            yield Static("Sessions", id="sessions-title", classes="dialog-title")
            yield SessionFilter(self.store, id="session-filter")
            yield SessionList(id="session-list")
            yield Static(EMPTY, id="sessions-empty", markup=False)
            yield Static(HINT, classes="dialog-hint")

    def on_mount(self) -> None:
        self.refresh_sessions()
        self.query_one(SessionList).focus()

    def refresh_sessions(self) -> None:
        """Read the sessions directory again."""
        try:
            self._summaries = self.store.list()
        except SessionError as exc:  # the folder itself cannot be read
            self.notify(str(exc), severity="error", timeout=10)
            self._summaries = []
        self._show()
        search = self.query_one(SessionFilter)
        if search.value:
            search.search_again()  # a session renamed or deleted may match differently now

    def _show(self) -> None:
        listing = self.query_one(SessionList)
        listing.show(self._summaries, self.current_id, self._matches)
        shown = listing.option_count
        listing.display = bool(shown)
        empty = self.query_one("#sessions-empty", Static)
        empty.display = not shown
        filtered = self._matches is not None
        empty.update(
            visible_controls(NO_MATCH.format(text=self._filtered_by)) if filtered else EMPTY
        )
        count = f" ({shown} of {len(self._summaries)})" if filtered else f" ({shown})"
        self.query_one("#sessions-title", Static).update(f"Sessions{count if shown else ''}")

    def on_session_filter_matched(self, event: SessionFilter.Matched) -> None:
        if event.text != self.query_one(SessionFilter).value:
            return  # an answer to what the box held before the last keystroke
        self._matches, self._filtered_by = event.matches, event.text
        self._show()

    def on_input_changed(self, event: Input.Changed) -> None:
        if isinstance(event.input, SessionFilter):  # the first search builds the index
            self.query_one("#sessions-title", Static).update("Sessions (searching…)")

    def on_session_filter_failed(self, event: SessionFilter.Failed) -> None:
        self.notify(f"Could not search the sessions: {event.problem}", severity="error")
        self._show()

    def action_search(self) -> None:
        self.query_one(SessionFilter).focus()

    def _chosen(self, done: str) -> SessionSummary | None:
        """The highlighted session, if it can be `done` ("opened", ...), else a notice.
        An unreadable session can only be deleted."""
        summary = self.query_one(SessionList).highlighted_summary
        if summary is not None and summary.problem is not None and done != "deleted":
            self.notify(
                f"Session {summary.id} cannot be read, so it cannot be {done}; D deletes it.",
                severity="warning",
            )
            return None
        return summary

    # -- open ----------------------------------------------------------------------------

    async def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        await self._open_highlighted()

    async def on_input_submitted(self, event: Input.Submitted) -> None:
        if isinstance(event.input, SessionFilter):  # Enter in the filter opens the first
            event.stop()
            await self._open_highlighted()

    async def _open_highlighted(self) -> None:
        summary = self._chosen("opened")
        if summary is None:
            return
        if summary.id == self.current_id:
            self.notify("That session is the one open now.")
            self.dismiss(None)
        elif await self.open_session(summary.id):
            self.dismiss(None)

    # -- rename --------------------------------------------------------------------------

    def action_rename(self) -> None:
        summary = self._chosen("renamed")
        if summary is None:
            return

        def renamed(title: str | None) -> None:
            if title:
                self._rename(summary.id, title)

        self.app.push_screen(RenameScreen(summary.title), renamed)

    def _rename(self, session_id: str, title: str) -> None:
        try:
            if session_id == self.current_id and self.current is not None:
                self.current.rename(title)
            else:
                self.store.rename(session_id, title)
        except (SessionError, OSError, ValueError) as exc:
            self.notify(f"Could not rename the session: {exc}", severity="error", timeout=8)
            return
        self.refresh_sessions()
        self.notify(f"Renamed to {title!r}.")

    # -- delete --------------------------------------------------------------------------

    def action_delete(self) -> None:
        summary = self._chosen("deleted")
        if summary is None:
            return
        if summary.id == self.current_id:
            self.notify(
                "That session is open in this chat; start a new conversation (Ctrl+N) "
                "before deleting it.",
                severity="warning",
            )
            return
        what = f"{summary.id} (unreadable)" if summary.problem else f"“{summary.title}”"
        question = f"Delete session {what}? Its file is removed for good."

        def answered(yes: bool | None) -> None:
            if yes:
                self._delete(summary.id)

        self.app.push_screen(ConfirmScreen("Delete session", question, yes="Delete"), answered)

    def _delete(self, session_id: str) -> None:
        try:
            self.store.delete(session_id)
        except (SessionError, OSError) as exc:
            self.notify(f"Could not delete the session: {exc}", severity="error", timeout=8)
            return
        self.refresh_sessions()
        self.notify(f"Deleted session {session_id}.")
