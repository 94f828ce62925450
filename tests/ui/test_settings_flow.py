"""The settings in use are the ones a new session records: after F4 opens a saved session
and after Ctrl+T flips the hard switch, Ctrl+N starts a session whose header holds what
the new conversation runs with, so resuming it gets the same system prompt back."""

from __future__ import annotations

from session_files import open_sessions_screen
from ui_harness import RecordingEngine, ready, send, until_idle, wait_for

from qwen_tui.config import Settings
from qwen_tui.conversation.opening import open_saved
from qwen_tui.sessions import SessionStore
from qwen_tui.ui.app import ChatApp
from tests.sessions.helpers import record, sample_conversation

STARTUP = Settings(engine="demo", system_prompt="You are the start-up prompt.")


def recording_app() -> ChatApp:
    """The chat saving to the real sessions directory, as `qwen-chat` does."""
    return ChatApp(STARTUP, engine=RecordingEngine())


def newest_session(store: SessionStore, but: set[str]) -> str:
    (new,) = set(store.ids()) - but
    return new


async def test_after_f4_a_new_conversation_records_and_resumes_the_system_prompt_it_runs_with():
    store = SessionStore()
    saved = record(store, sample_conversation())  # its system prompt: "Be brief."
    app = recording_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await ready(pilot)
        await open_sessions_screen(pilot, highlight=saved)
        await pilot.press("enter")
        await wait_for(pilot, lambda: app.core.conversation.system_prompt == "Be brief.")
        await pilot.press("ctrl+n")
        await send(pilot, "A new question")
        await until_idle(pilot)
        assert app.core.engine.requests[-1].messages[0]["content"] == "Be brief."
    new = newest_session(store, {saved})
    session = store.load(new)
    assert session.settings["system_prompt"] == "Be brief."
    continued = open_saved(store, new, STARTUP)
    continued.recorder.close()
    assert continued.conversation.system_prompt == "Be brief."
    assert continued.settings.system_prompt == "Be brief."


async def test_after_ctrl_t_a_new_conversation_records_thinking_off():
    store = SessionStore()
    app = recording_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await ready(pilot)
        await send(pilot, "First question")
        await until_idle(pilot)
        first = set(store.ids())
        await pilot.press("ctrl+t")
        await pilot.press("ctrl+n")
        await send(pilot, "Second question")
        await until_idle(pilot)
        assert app.core.engine.requests[-1].enable_thinking is False
    new = newest_session(store, first)
    session = store.load(new)
    assert session.settings["thinking"] is False
    assert session.conversation.system_prompt == STARTUP.system_prompt
    assert session.conversation.messages[-1].settings.enable_thinking is False
