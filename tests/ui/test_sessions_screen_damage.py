"""The sessions screen (F4) with sessions that cannot be read: the screen opens, lists
them as unreadable beside the others, and opening one is a notice, never a crash."""

from __future__ import annotations

from ui_harness import make_app, ready

from qwen_tui.sessions import SessionStore
from qwen_tui.ui.screens.sessions_screen import SessionsScreen
from qwen_tui.ui.widgets.session_list import SessionList
from tests.sessions.helpers import record, sample_conversation

NESTED = "[" * 1000 + "]" * 1000


async def test_f4_survives_deeply_nested_and_non_regular_session_files():
    store = SessionStore()
    good = record(store, sample_conversation())
    nested_reply = record(store, sample_conversation())
    with open(store.path_for(nested_reply), "a", encoding="utf-8") as file:
        file.write('{"type":"assistant","answer":"x","finish_reason":' + NESTED + "}\n")
    nested_header = store.root / "260101-0000-nest.jsonl"
    nested_header.write_text('{"type":"session","x":' + NESTED + "}\n", encoding="utf-8")
    (store.root / "260101-0000-dirr.jsonl").mkdir()
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await ready(pilot)
        await pilot.press("f4")
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, SessionsScreen)
        listing = screen.query_one(SessionList)
        problems = {i: s.problem for i, s in listing.summaries.items()}
        assert problems[good] is None and problems[nested_reply] is None
        assert "nested too deeply" in problems["260101-0000-nest"]
        assert "a directory" in problems["260101-0000-dirr"]
        listing.highlighted = list(listing.summaries).index(nested_reply)
        await pilot.press("enter")
        await pilot.pause()
        assert app.is_running and app.screen is screen
        notices = [n.message for n in app._notifications]
        assert any("line 6" in n and "nested too deeply" in n for n in notices), notices


async def test_f4_with_a_sessions_folder_that_cannot_be_read_is_a_notice(monkeypatch):
    from tests.forbidden import forbid

    store = SessionStore()
    record(store, sample_conversation())
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await ready(pilot)
        forbid(monkeypatch, store.root.parent)
        await pilot.press("f4")
        await pilot.pause()
        assert isinstance(app.screen, SessionsScreen) and app.is_running
        notices = [n.message for n in app._notifications]
        assert any("cannot read the sessions directory" in n for n in notices)
