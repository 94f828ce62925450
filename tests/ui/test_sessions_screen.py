"""The sessions screen (F4): list, open and go on with, rename and delete saved sessions."""

from __future__ import annotations

import pytest
from session_files import BROKEN_ID, SESSIONS, listed_rows, open_sessions_screen, save_sessions
from ui_harness import RecordingEngine, assistant_turns, enter, make_app, ready, send, until_idle

from qwen_tui.chat.messages import Role
from qwen_tui.engine.scripted.playback import PlaybackEngine, PlaybackTurn
from qwen_tui.sessions import SessionLocked, SessionStore
from qwen_tui.ui.screens.confirm_screen import ConfirmScreen
from qwen_tui.ui.screens.rename_screen import RenameScreen
from qwen_tui.ui.screens.sessions_screen import SessionsScreen
from qwen_tui.ui.widgets.prompt_input import PromptInput
from qwen_tui.ui.widgets.session_list import SessionList
from qwen_tui.ui.widgets.status_bar import StatusBar
from tests.sessions.helpers import record
from tests.sessions.helpers import sample_conversation as recorded_conversation

READABLE, OLDER = (s[0] for s in SESSIONS)


async def test_f4_lists_sessions_newest_first_with_title_date_turns_model_and_problems(
    monkeypatch,
):
    save_sessions(monkeypatch)
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await open_sessions_screen(pilot)
        newest, older, broken = listed_rows(app)
        assert "How do I reverse a string in Python?" in newest
        assert "2025-03-14 09:41" in newest and "1 turn · demo-model · 250314-0930-k3f9" in newest
        assert "Explain the KV cache" in older
        assert BROKEN_ID in broken and "unreadable:" in broken and "line 2" in broken
        assert "/" not in broken.split("unreadable:")[1]  # no folder in front of the file
        await pilot.press("escape")
        assert not isinstance(app.screen, SessionsScreen)


async def test_the_palette_and_slash_sessions_open_the_screen():
    app = make_app()
    async with app.run_test() as pilot:
        await ready(pilot)
        titles = {c.title for c in app.get_system_commands(app.screen)}
        assert "Sessions" in titles
        await enter(pilot, "/sessions")
        assert isinstance(app.screen, SessionsScreen)
        assert app.screen.query_one("#sessions-empty").display  # none saved yet


async def test_opening_a_session_shows_it_and_new_turns_append_to_it_under_its_lock(
    monkeypatch,
):
    store = save_sessions(monkeypatch)
    engine = RecordingEngine()
    app = make_app(engine)
    async with app.run_test(size=(120, 40)) as pilot:
        await open_sessions_screen(pilot, highlight=OLDER)
        await pilot.press("enter")
        assert not isinstance(app.screen, SessionsScreen)
        assert len(assistant_turns(app)) == 1
        with pytest.raises(SessionLocked):
            store.open_for_append(OLDER)
        await send(pilot, "And in one line?")
        await until_idle(pilot)
        history = [m["content"] for m in engine.requests[-1].messages]
        assert history == [
            "Explain the KV cache in two lines",
            "It keeps keys and values.",
            "And in one line?",
        ]
        await pilot.press("ctrl+n")  # leaves the session: its lock is released
        await pilot.pause()
        store.open_for_append(OLDER).close()
    session = store.load(OLDER)
    assert [m.content for m in session.conversation.user_messages][-1] == "And in one line?"
    assert session.conversation.messages[-1].role is Role.ASSISTANT
    assert '"type":"resume"' in store.path_for(OLDER).read_text()


async def test_an_opened_session_shows_its_own_reply_speed_and_up_recalls_its_prompts():
    session_id = record(SessionStore(), recorded_conversation())  # last reply: 50 tok/s, TTFT 0.1 s
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await ready(pilot)
        await send(pilot, "A question in the chat before")
        await until_idle(pilot)
        status = app.chat_screen.query_one(StatusBar)
        assert "tok/s" in str(status.render()) and "50.0 tok/s" not in str(status.render())
        await open_sessions_screen(pilot, highlight=session_id)
        await pilot.press("enter")
        await pilot.pause()
        assert "50.0 tok/s · TTFT 0.10 s" in str(status.render())
        prompt = app.chat_screen.query_one(PromptInput)
        prompt.focus()
        await pilot.press("up")
        assert prompt.text == "And in words? /no_think"
        await pilot.press("up")
        assert prompt.text == "What is 6 × 7? /think"  # the opened session's own come first
        await pilot.press("up")
        assert prompt.text == "A question in the chat before"


async def test_a_session_locked_by_another_process_gives_a_notice_and_nothing_changes(
    monkeypatch,
):
    store = save_sessions(monkeypatch)
    app = make_app()
    with store.open_for_append(READABLE):  # as another qwen-chat would hold it
        async with app.run_test(size=(120, 40)) as pilot:
            await open_sessions_screen(pilot, highlight=READABLE)
            await pilot.press("enter")
            await pilot.pause()
            assert isinstance(app.screen, SessionsScreen)  # still choosing
            notices = [n.message for n in app._notifications]
            assert any(f"session {READABLE} is open in qwen-chat process" in n for n in notices)
            assert app.core.conversation.messages == []


async def test_rename_asks_for_a_title_and_saves_it(monkeypatch):
    store = save_sessions(monkeypatch)
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await open_sessions_screen(pilot, highlight=OLDER)
        await pilot.press("r")
        assert isinstance(app.screen, RenameScreen)
        app.screen.query_one("#rename-input").value = "  KV   cache notes "
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, SessionsScreen)
        assert any("KV cache notes" in row for row in listed_rows(app))
        assert app.screen.query_one(SessionList).highlighted_id == OLDER  # still on it
        await pilot.press("r", "escape")  # Esc cancels
        await pilot.pause()
    assert store.load(OLDER).title == "KV cache notes"


async def test_the_open_session_is_renamed_through_its_own_recorder(monkeypatch):
    store = save_sessions(monkeypatch)
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await open_sessions_screen(pilot, highlight=READABLE)
        await pilot.press("enter")
        await pilot.press("f4")
        assert "open now" in listed_rows(app)[0]
        await pilot.press("r")
        app.screen.query_one("#rename-input").value = "Strings"
        await pilot.press("enter")
        await pilot.pause()
        assert not any("Could not" in n.message for n in app._notifications)
    assert store.load(READABLE).title == "Strings"


async def test_delete_asks_first_and_removes_the_file(monkeypatch):
    store = save_sessions(monkeypatch)
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await open_sessions_screen(pilot, highlight=OLDER)
        await pilot.press("d")
        assert isinstance(app.screen, ConfirmScreen)
        assert str(app.screen.query_one("#confirm-yes").label) == "Delete [Y]"
        await pilot.press("enter")  # the focused answer is the safe one
        assert store.path_for(OLDER).exists()
        await pilot.press("delete", "y")
        await pilot.pause()
        assert not store.path_for(OLDER).exists()
        assert len(listed_rows(app)) == 2
        listing = app.screen.query_one(SessionList)
        assert listing.highlighted_id == BROKEN_ID  # the next one down
        await pilot.press("d", "y")  # an unreadable session can be deleted too
        await pilot.pause()
    assert store.ids() == [READABLE]


async def test_the_session_open_in_this_chat_cannot_be_deleted(monkeypatch):
    save_sessions(monkeypatch)
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await open_sessions_screen(pilot, highlight=READABLE)
        await pilot.press("enter")
        await pilot.press("f4", "d")
        assert isinstance(app.screen, SessionsScreen)
        assert any("open in this chat" in n.message for n in app._notifications)
    assert READABLE in SessionStore().ids()


async def test_a_session_being_played_back_offers_no_sessions_screen():
    turn = PlaybackTurn(chunks=[(0.0, "answer", "Recorded.")], thinking="", answer="Recorded.")
    app = make_app(PlaybackEngine([turn]), queued_prompts=("recorded question",))
    async with app.run_test() as pilot:
        await until_idle(pilot)
        await pilot.press("f4")
        assert not isinstance(app.screen, SessionsScreen)
        assert "Sessions" not in {c.title for c in app.get_system_commands(app.screen)}
