"""`/system`: typed in the input, it changes what the next request sends; alone, it
shows the prompt in use."""

from __future__ import annotations

from ui_harness import RecordingEngine, enter, ready, send, until_idle

from qwen_tui.config import Settings
from qwen_tui.conversation.opening import open_saved
from qwen_tui.sessions import SessionStore
from qwen_tui.ui.app import ChatApp


def system_messages(app: ChatApp) -> list[str]:
    messages = app.core.engine.requests[-1].messages
    return [m["content"] for m in messages if m["role"] == "system"]


async def test_slash_system_changes_what_the_next_request_sends():
    app = ChatApp(Settings(engine="demo", system_prompt="Be terse."), engine=RecordingEngine())
    async with app.run_test(size=(120, 40)) as pilot:
        await ready(pilot)
        await enter(pilot, "/system Answer like a pirate.")
        await send(pilot, "Hello")
        await until_idle(pilot)
        assert system_messages(app) == ["Answer like a pirate."]
        await enter(pilot, "/system")
        await pilot.pause()
        shown = [n.message for n in app._notifications if n.message.startswith("System prompt:")]
        assert shown == [
            "System prompt: 'Answer like a pirate.'. /system TEXT sets it, "
            "/system --clear clears it."
        ]


async def test_slash_system_is_not_sent_to_the_model():
    app = ChatApp(Settings(engine="demo"), engine=RecordingEngine())
    async with app.run_test(size=(120, 40)) as pilot:
        await ready(pilot)
        await enter(pilot, "/system Be kind.")
        await pilot.pause()
        assert app.core.engine.requests == []


async def test_resuming_a_session_gets_the_system_prompt_set_with_slash_system_back():
    store = SessionStore()
    startup = Settings(engine="demo", system_prompt="Be terse.")
    app = ChatApp(startup, engine=RecordingEngine())
    async with app.run_test(size=(120, 40)) as pilot:
        await ready(pilot)
        await send(pilot, "First question")
        await until_idle(pilot)
        await enter(pilot, "/system Answer like a pirate.")
        await send(pilot, "Second question")
        await until_idle(pilot)
        session_id = app.core.recorder.session_id
    continued = open_saved(store, session_id, startup)
    continued.recorder.close()
    assert continued.conversation.system_prompt == "Answer like a pirate."
    assert continued.settings.system_prompt == "Answer like a pirate."
    assert [m.content for m in continued.conversation.messages][0] == "First question"


async def test_the_header_line_shows_the_system_prompt_set_with_slash_system():
    app = ChatApp(Settings(engine="demo"), engine=RecordingEngine())
    async with app.run_test(size=(120, 40)) as pilot:
        await ready(pilot)
        await enter(pilot, "/system Answer\x1b[31m like a pirate.")
        await pilot.pause()
        (header,) = app.chat_screen.query(".system-prompt")
        assert str(header.render()) == "System prompt: Answer␛[31m like a pirate."


async def test_slash_system_clear_sends_no_system_prompt_from_then_on():
    app = ChatApp(Settings(engine="demo", system_prompt="Be terse."), engine=RecordingEngine())
    async with app.run_test(size=(120, 40)) as pilot:
        await ready(pilot)
        assert app.chat_screen.query(".system-prompt")
        await enter(pilot, "/system --clear")
        await send(pilot, "Hello")
        await until_idle(pilot)
        assert system_messages(app) == []
        assert not app.chat_screen.query(".system-prompt")
        assert [n.message for n in app._notifications][-1] == "System prompt cleared."
        session_id = app.core.recorder.session_id
    continued = open_saved(SessionStore(), session_id, Settings(engine="demo"))
    continued.recorder.close()
    assert continued.conversation.system_prompt == ""
