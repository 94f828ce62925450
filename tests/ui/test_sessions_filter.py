"""The sessions screen's filter box: typing narrows the list to the sessions that hold the
words (as `sessions search` finds them), clearing it brings every session back."""

from __future__ import annotations

import threading

from session_files import SESSIONS, listed_rows, save_sessions
from ui_harness import make_app, ready, wait_for

from qwen_tui.ui.screens.rename_screen import RenameScreen
from qwen_tui.ui.screens.sessions_screen import SessionsScreen
from qwen_tui.ui.widgets import session_filter
from qwen_tui.ui.widgets.session_filter import SessionFilter
from qwen_tui.ui.widgets.session_list import SessionList

READABLE, OLDER = (s[0] for s in SESSIONS)


def _title(app) -> str:
    return str(app.screen.query_one("#sessions-title").render())


async def _type(pilot, *keys: str, rows: int) -> None:
    """Press `keys` in the filter box and wait until the list shows `rows` sessions."""
    await pilot.press(*keys)
    await wait_for(pilot, lambda: len(listed_rows(pilot.app)) == rows, what=f"{rows} rows")


async def _open_filter(pilot) -> SessionFilter:
    await ready(pilot)
    await pilot.press("f4")
    assert isinstance(pilot.app.screen, SessionsScreen)
    await pilot.press("slash")
    search = pilot.app.screen.query_one(SessionFilter)
    assert search.has_focus
    return search


async def test_typing_narrows_the_list_to_the_matching_sessions_and_clearing_restores_it(
    monkeypatch,
):
    save_sessions(monkeypatch)
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await _open_filter(pilot)
        assert len(listed_rows(app)) == 3
        await _type(pilot, "k", "e", "y", "s", rows=1)
        (row,) = listed_rows(app)
        assert "Explain the KV cache in two lines" in row
        assert "answer 1: It keeps keys and values." in row
        assert _title(app) == "Sessions (1 of 3)"
        await _type(pilot, "space", "p", "y", rows=0)  # every word must be there
        assert app.screen.query_one("#sessions-empty").display
        assert "No session holds 'keys py'" in str(app.screen.query_one("#sessions-empty").render())
        await _type(pilot, *["backspace"] * 7, rows=3)
        assert _title(app) == "Sessions (3)"
        assert "How do I reverse a string in Python?" in listed_rows(app)[0]
        assert "unreadable" in listed_rows(app)[2]


async def test_letters_typed_in_the_filter_neither_rename_delete_nor_close(monkeypatch):
    store = save_sessions(monkeypatch)
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        search = await _open_filter(pilot)
        await _type(pilot, "r", "d", "q", rows=0)
        assert isinstance(app.screen, SessionsScreen) and search.value == "rdq"
        await pilot.press("escape")
        assert not isinstance(app.screen, (SessionsScreen, RenameScreen))
    assert store.path_for(READABLE).exists() and store.path_for(OLDER).exists()


async def test_enter_in_the_filter_opens_the_first_match_and_down_goes_to_the_list(
    monkeypatch,
):
    save_sessions(monkeypatch)
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await _open_filter(pilot)
        await _type(pilot, "k", "v", rows=1)
        await pilot.press("down")
        assert app.screen.query_one(SessionList).has_focus
        await pilot.press("slash", "enter")
        await pilot.pause()
        assert not isinstance(app.screen, SessionsScreen)
        questions = [m.content for m in app.core.conversation.user_messages]
        assert questions == ["Explain the KV cache in two lines"]


async def test_the_title_says_it_searches_until_the_answer_comes(monkeypatch):
    save_sessions(monkeypatch)
    answer = threading.Event()
    real = session_filter.search_sessions

    def slow_search(store, text):  # as a first search that builds the index
        answer.wait(5)
        return real(store, text)

    monkeypatch.setattr(session_filter, "search_sessions", slow_search)
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await _open_filter(pilot)
        await pilot.press("k", "v")
        assert _title(app) == "Sessions (searching…)" and len(listed_rows(app)) == 3
        answer.set()
        await wait_for(pilot, lambda: _title(app) == "Sessions (1 of 3)", what="the answer")
