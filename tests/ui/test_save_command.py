"""`/save FILE` in the chat: never over a session, asks before replacing a file, and says
the absolute path it wrote."""

from __future__ import annotations

from ui_harness import RecordingEngine, enter, ready, send, until_idle

from qwen_tui.config import Settings
from qwen_tui.sessions import SessionStore
from qwen_tui.ui.app import ChatApp
from qwen_tui.ui.screens.confirm_screen import ConfirmScreen
from tests.sessions.helpers import record, sample_conversation


def _messages(app) -> list[str]:
    return [n.message for n in app._notifications]


async def _chatted(pilot) -> None:
    await ready(pilot)
    await send(pilot, "How do I reverse a string?")
    await until_idle(pilot)


async def test_save_never_replaces_a_session_file():
    store = SessionStore()
    other = store.path_for(record(store, sample_conversation()))
    before = other.read_bytes()
    app = ChatApp(Settings(engine="demo"), engine=RecordingEngine())
    async with app.run_test() as pilot:
        await _chatted(pilot)
        await enter(pilot, f"/save {other}")
        await pilot.pause()
        assert not isinstance(app.screen, ConfirmScreen)
        assert any(f"{other} is in the sessions directory" in m for m in _messages(app))
    assert other.read_bytes() == before
    assert store.load(other.stem).conversation == sample_conversation()


async def test_save_asks_before_replacing_a_file(tmp_path):
    target = tmp_path / "notes.md"
    target.write_text("my own notes\n", encoding="utf-8")
    app = ChatApp(Settings(engine="demo"), engine=RecordingEngine())
    async with app.run_test() as pilot:
        await _chatted(pilot)
        await enter(pilot, f"/save {target}")
        await pilot.pause()
        assert isinstance(app.screen, ConfirmScreen)
        await pilot.press("enter")  # the focused, safe answer: keep the file
        await pilot.pause()
        assert target.read_text(encoding="utf-8") == "my own notes\n"
        await enter(pilot, f"/save {target}")
        await pilot.pause()
        await pilot.press("y")
        await pilot.pause()
    assert "How do I reverse a string?" in target.read_text(encoding="utf-8")
    assert f"Saved the conversation to {target}." in _messages(app)


async def test_save_names_the_absolute_path_it_wrote(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    app = ChatApp(Settings(engine="demo"), engine=RecordingEngine())
    async with app.run_test() as pilot:
        await _chatted(pilot)
        await enter(pilot, "/save chat.json")
        await pilot.pause()
    assert f"Saved the conversation to {tmp_path / 'chat.json'}." in _messages(app)
    assert (tmp_path / "chat.json").read_text(encoding="utf-8").startswith("{")
