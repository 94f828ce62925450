"""`/system`: typed in the input, it changes what the next request sends; alone, it
shows the prompt in use."""

from __future__ import annotations

from ui_harness import RecordingEngine, enter, ready, send, until_idle

from qwen_tui.config import Settings
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
        assert shown == ["System prompt: 'Answer like a pirate.'. /system TEXT sets it."]


async def test_slash_system_is_not_sent_to_the_model():
    app = ChatApp(Settings(engine="demo"), engine=RecordingEngine())
    async with app.run_test(size=(120, 40)) as pilot:
        await ready(pilot)
        await enter(pilot, "/system Be kind.")
        await pilot.pause()
        assert app.core.engine.requests == []
