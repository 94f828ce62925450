"""The input: Enter sends, Ctrl+J adds a line, Up/Down recall, the mode hint; app commands
that never swallow the model's soft switches; copying to the clipboard."""

from __future__ import annotations

import json
import tomllib

from ui_harness import (
    RecordingEngine,
    assistant_turns,
    enter,
    make_app,
    ready,
    sample_conversation,
    send,
    until_idle,
)

from qwen_tui import locations
from qwen_tui.config import Settings
from qwen_tui.ui.app import ChatApp
from qwen_tui.ui.screens.confirm_screen import ConfirmScreen
from qwen_tui.ui.screens.help_screen import HelpScreen
from qwen_tui.ui.widgets.prompt_input import PromptInput
from qwen_tui.ui.widgets.status_bar import StatusBar
from qwen_tui.ui.widgets.user_turn import UserTurn


async def test_enter_sends_and_ctrl_j_adds_a_line():
    engine = RecordingEngine()
    app = make_app(engine)
    async with app.run_test() as pilot:
        await ready(pilot)
        await pilot.press(*"two", "ctrl+j", *"lines")
        prompt = app.chat_screen.query_one(PromptInput)
        assert prompt.text == "two\nlines" and not engine.requests
        await pilot.press("enter")
        await until_idle(pilot)
        assert engine.requests[-1].messages[-1]["content"] == "two\nlines"
        assert prompt.text == ""


async def test_up_and_down_recall_earlier_prompts_and_keep_the_draft():
    app = make_app(conversation=sample_conversation())
    async with app.run_test() as pilot:
        await ready(pilot)
        prompt = app.chat_screen.query_one(PromptInput)
        await pilot.press(*"draft")
        await pilot.press("up")
        assert prompt.text == "And without thinking? /no_think"
        await pilot.press("up")
        assert prompt.text == "How do I reverse a string in Python?"
        await pilot.press("down", "down")
        assert prompt.text == "draft"


async def test_the_input_shows_the_mode_the_message_will_run_in():
    app = make_app()
    async with app.run_test() as pilot:
        await ready(pilot)
        prompt = app.chat_screen.query_one(PromptInput)
        assert "thinking on" in str(prompt.border_subtitle)
        await enter(pilot, "hi /no_think", press_enter=False)
        assert "thinking off: /no_think" in str(prompt.border_subtitle)
        await pilot.press("ctrl+t")
        assert "thinking off: Ctrl+T" in str(prompt.border_subtitle)


async def test_a_no_think_turn_leaves_later_messages_without_thinking_until_think():
    app = make_app()
    async with app.run_test() as pilot:
        await ready(pilot)
        await send(pilot, "quick one /no_think")
        await until_idle(pilot)
        prompt = app.chat_screen.query_one(PromptInput)
        assert "earlier /no_think" in str(prompt.border_subtitle)
        prompt.text = "deep one /think"
        await pilot.pause()
        assert "thinking on: /think" in str(prompt.border_subtitle)


async def test_unknown_slash_word_is_refused_not_sent():
    engine = RecordingEngine()
    app = make_app(engine)
    async with app.run_test() as pilot:
        await ready(pilot)
        await enter(pilot, "/thinkk hello")
        await pilot.pause()
        assert not engine.requests
        assert app.chat_screen.query_one(PromptInput).text == "/thinkk hello"  # kept to fix
        assert any("Unknown command /thinkk" in n.message for n in app._notifications)


async def test_theme_command_switches_and_remembers_the_theme():
    app = make_app()
    async with app.run_test() as pilot:
        await ready(pilot)
        await enter(pilot, "/theme qwen-light")
        await pilot.pause()
        assert app.theme == "qwen-light"
        saved = tomllib.loads(locations.config_file().read_text())
        assert saved["theme"] == "qwen-light"
        await enter(pilot, "/theme no-such-theme")
        await pilot.pause()
        assert app.theme == "qwen-light"


async def test_new_conversation_forgets_the_history():
    engine = RecordingEngine()
    app = make_app(engine, conversation=sample_conversation())
    async with app.run_test() as pilot:
        await ready(pilot)
        await pilot.press("ctrl+n")
        await pilot.pause()
        assert not assistant_turns(app)
        await send(pilot, "fresh start")
        await until_idle(pilot)
        assert [m["role"] for m in engine.requests[-1].messages] == ["user"]
        await enter(pilot, "/clear")
        await pilot.pause()
        assert not assistant_turns(app)


async def test_a_new_conversation_starts_without_the_last_reply_speed_but_up_recalls_on():
    app = make_app()
    async with app.run_test() as pilot:
        await ready(pilot)
        await send(pilot, "How do I reverse a string?")
        await until_idle(pilot)
        status = app.chat_screen.query_one(StatusBar)
        assert "tok/s" in str(status.render())
        await pilot.press("ctrl+n")
        await pilot.pause()
        assert "tok/s" not in str(status.render()) and "TTFT" not in str(status.render())
        prompt = app.chat_screen.query_one(PromptInput)
        await send(pilot, "fresh start")
        await until_idle(pilot)
        await pilot.press("up")
        assert prompt.text == "fresh start"
        await pilot.press("up")
        assert (
            prompt.text == "How do I reverse a string?"
        )  # the earlier conversation's, like a shell
        await pilot.press("down", "down")
        assert prompt.text == ""


async def test_prompts_are_recalled_in_a_later_run_newest_first():
    async with make_app().run_test() as pilot:
        await ready(pilot)
        for question in ("first question", "second question"):
            await send(pilot, question)
            await until_idle(pilot)
    app = make_app()  # the next run of qwen-chat
    async with app.run_test() as pilot:
        await ready(pilot)
        prompt = app.chat_screen.query_one(PromptInput)
        await pilot.press("up")
        assert prompt.text == "second question"
        await pilot.press("up")
        assert prompt.text == "first question"


async def test_copy_the_last_answer_or_a_focused_message_and_edit_one_again():
    app = make_app(conversation=sample_conversation())
    async with app.run_test() as pilot:
        await ready(pilot)
        await pilot.press("f2")
        assert app.clipboard == "Use `''.join(reversed(text))` when you want an explicit iterator."
        first = assistant_turns(app)[0]
        first.focus()
        await pilot.press("c")
        assert app.clipboard.startswith("## Reversing a string")
        app.chat_screen.query(UserTurn).last().focus()
        await pilot.press("c")
        assert app.clipboard == "And without thinking? /no_think"
        await pilot.press("e")
        assert app.chat_screen.query_one(PromptInput).text == "And without thinking? /no_think"
        first.thinking.focus()
        await pilot.press("c")
        assert app.clipboard.startswith("Okay, the user wants to reverse a string.")


async def test_f1_and_slash_help_open_the_help_screen():
    app = make_app()
    async with app.run_test() as pilot:
        await ready(pilot)
        await pilot.press("f1")
        assert isinstance(app.screen, HelpScreen)
        await pilot.press("escape")
        assert not isinstance(app.screen, HelpScreen)
        await enter(pilot, "/help")
        assert isinstance(app.screen, HelpScreen)


async def test_save_writes_the_session_and_title_names_it(tmp_path):
    app = ChatApp(Settings(engine="demo"), engine=RecordingEngine())
    target = tmp_path / "chat.md"
    async with app.run_test() as pilot:
        await ready(pilot)
        await enter(pilot, f"/save {target}")
        assert any("Nothing saved" in n.message for n in app._notifications)
        await send(pilot, "How do I reverse a string?")
        await until_idle(pilot)
        await enter(pilot, "/title Strings")
        await enter(pilot, f"/save {target}")
        await pilot.pause()
    text = target.read_text(encoding="utf-8")
    assert text.startswith("# Strings")
    assert "How do I reverse a string?" in text and "text[::-1]" in text
    assert any(f"Saved the conversation to {target}." == n.message for n in app._notifications)


async def test_save_asks_before_replacing_a_file_and_refuses_a_name_it_cannot_tell(
    tmp_path, monkeypatch
):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "notes.md").write_text("my own notes", encoding="utf-8")
    app = ChatApp(Settings(engine="demo"), engine=RecordingEngine())
    async with app.run_test() as pilot:
        await ready(pilot)
        await send(pilot, "How do I reverse a string?")
        await until_idle(pilot)
        await enter(pilot, "/save notes.txt")
        await pilot.pause()
        assert not (tmp_path / "notes.txt").exists()
        assert any("end it in .md or .json" in n.message for n in app._notifications)
        await enter(pilot, "/save notes.md")
        assert isinstance(app.screen, ConfirmScreen) and str(tmp_path) in app.screen.question
        await pilot.press("n")
        assert (tmp_path / "notes.md").read_text(encoding="utf-8") == "my own notes"
        await enter(pilot, "/save notes.md")
        await pilot.press("y")
        await pilot.pause()
        assert (tmp_path / "notes.md").read_text(encoding="utf-8").startswith("# How do I")
        await enter(pilot, "/save notes.json")
        await pilot.pause()
        assert json.loads((tmp_path / "notes.json").read_text(encoding="utf-8"))["messages"]
