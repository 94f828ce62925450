"""Text that tries to drive the terminal reaches the chat UI only as visible marks: the
streamed answer and thinking, user turns, a resumed conversation, playback, the status
bar's model name, notifications, the sessions screen and the input box."""

from __future__ import annotations

import html
import re
import threading

from textual import events
from textual.widgets import Label

from qwen_tui.chat.messages import Conversation
from qwen_tui.config import Settings
from qwen_tui.conversation.playback import playback_turns
from qwen_tui.engine.events import LoadProgress
from qwen_tui.engine.scripted.playback import PlaybackEngine
from qwen_tui.sessions import SessionStore
from qwen_tui.sessions.replay import answered_prompts, replay_start
from qwen_tui.ui.app import ChatApp
from qwen_tui.ui.widgets.load_bar import LoadBar
from qwen_tui.ui.widgets.prompt_input import PromptInput
from tests.hostile_text import (
    HOSTILE,
    MARKDOWN_TRICKS,
    HostileReplyEngine,
    assert_shown_safely,
    forbidden_in,
)
from tests.recording_engine import RecordingEngine
from tests.sessions.helpers import record
from tests.ui.ui_harness import make_app, until_idle, wait_for

SCREEN = (400, 60)  # wide enough that no mark is wrapped across lines
TITLE = "T\x1b]2;PWNED\x07\u202eevil"
TITLE_SHOWN = "T␛]2;PWNED␇<U+202E>evil"


def screen_text(app: ChatApp) -> str:
    """Everything on the screen as it would be drawn, from an SVG screenshot: the raw
    characters (a live ESC would be there as is) and the text of every cell."""
    svg = app.export_screenshot(simplify=True)
    assert forbidden_in(svg) == []
    cells = "".join(html.unescape(t) for t in re.findall(r"<text[^>]*>(.*?)</text>", svg))
    return cells.replace("\xa0", " ")


def hostile_conversation() -> Conversation:
    conversation = Conversation()
    conversation.add_user(HOSTILE)
    conversation.add_assistant(HOSTILE + MARKDOWN_TRICKS, HOSTILE)
    return conversation


async def open_all_thoughts(pilot) -> None:
    await pilot.press("f3")
    await pilot.pause()


async def test_a_streamed_reply_and_the_question_show_as_marks():
    app = make_app(HostileReplyEngine(), queued_prompts=(HOSTILE,))
    async with app.run_test(size=SCREEN) as pilot:
        await wait_for(pilot, lambda: app.core.conversation.messages)
        await until_idle(pilot)
        await open_all_thoughts(pilot)
        shown = screen_text(app)
    assert shown.count("␛]52;c;aGFja2Vk␇") == 3  # question, thinking, answer
    assert_shown_safely(shown)
    assert "http://evil.example/␛]2;AUTOLINK␇" in shown
    assert "Qwen␛]2;MODEL␇ demo" in shown  # the status bar's model name


async def test_a_resumed_system_prompt_shows_as_marks_in_the_header_line():
    conversation = hostile_conversation()
    conversation.system_prompt = TITLE
    app = make_app(RecordingEngine(), conversation=conversation)
    async with app.run_test(size=SCREEN) as pilot:
        await until_idle(pilot)
        shown = screen_text(app)
    assert f"System prompt: {TITLE_SHOWN}" in shown


async def test_a_resumed_conversation_shows_as_marks():
    app = make_app(RecordingEngine(), conversation=hostile_conversation())
    async with app.run_test(size=SCREEN) as pilot:
        await until_idle(pilot)
        await open_all_thoughts(pilot)
        shown = screen_text(app)
    assert shown.count("␛]52;c;aGFja2Vk␇") == 3
    assert_shown_safely(shown)


async def test_playback_of_a_hostile_session_shows_as_marks():
    store = SessionStore()
    session = store.load(record(store, hostile_conversation(), model_name="m\x1b]2;M\x07"))
    engine = PlaybackEngine(playback_turns(session), 1000.0, model_name=session.model)
    app = ChatApp(
        Settings(engine="demo"),
        engine=engine,
        conversation=replay_start(session),
        queued_prompts=answered_prompts(session),
        recorder_factory=lambda _settings, _engine: None,
    )
    async with app.run_test(size=SCREEN) as pilot:
        await wait_for(pilot, lambda: len(app.core.conversation.messages) == 2)
        await until_idle(pilot)
        await open_all_thoughts(pilot)
        shown = screen_text(app)
    assert_shown_safely(shown)
    assert "m␛]2;M␇" in shown


class _FailingWithHostileText(RecordingEngine):
    def _generate(self, request, sink, cancelled):
        raise RuntimeError(f"bad weights: {TITLE} [@click=app.quit]x[/]")


async def test_a_notification_quoting_an_engine_error_shows_marks_and_no_markup():
    app = make_app(_FailingWithHostileText(), queued_prompts=("hello",))
    async with app.run_test(size=SCREEN, notifications=True) as pilot:
        await wait_for(pilot, lambda: app.core.conversation.messages)
        await until_idle(pilot)
        await wait_for(pilot, lambda: app.screen.query("Toast"), what="the error's toast")
        await pilot.pause()
        shown = screen_text(app)
    assert forbidden_in(shown) == []
    # The toast wraps its text after the title.
    assert f"bad weights: {TITLE_SHOWN}" in shown and "[@click=app.quit]x[/]" in shown


class _LoadingHostileFiles(RecordingEngine):
    """Reports loading a shard with a hostile name, waits for `go_on`, then fails on it."""

    def __init__(self) -> None:
        super().__init__()
        self.go_on = threading.Event()

    def _load(self, sink):
        sink(LoadProgress(1, 2, "shards", f"reading {TITLE}"))
        self.go_on.wait(10)
        raise RuntimeError(f"{TITLE} is corrupt")


async def test_a_model_file_named_in_the_load_bar_or_its_failure_shows_as_marks():
    engine = _LoadingHostileFiles()
    app = make_app(engine)
    async with app.run_test(size=SCREEN) as pilot:
        label = app.chat_screen.query_one(LoadBar).query_one(Label)
        await wait_for(pilot, lambda: "reading" in str(label.render()), what="the load bar")
        loading = str(label.render())  # the label is narrower than the file's name
        engine.go_on.set()
        await wait_for(pilot, lambda: app.core.state == "failed", what="failure")
        await pilot.pause()
        failed = screen_text(app)
    assert forbidden_in(loading) == [] and f"reading {TITLE_SHOWN}: 1/2 shards" in loading
    assert f"Engine failed: {TITLE_SHOWN} is corrupt" in failed


async def test_the_sessions_screen_and_its_questions_show_titles_as_marks():
    store = SessionStore()
    session_id = record(store, hostile_conversation(), model_name="m\x1b]52;c;aGk=\x07")
    store.rename(session_id, TITLE)
    app = make_app(RecordingEngine())
    async with app.run_test(size=SCREEN) as pilot:
        await until_idle(pilot)
        await pilot.press("f4")
        await pilot.pause()
        listed = screen_text(app)
        await pilot.press("d")
        await pilot.pause()
        asked = screen_text(app)
        await pilot.press("n", "r")
        await pilot.pause()
        renaming = screen_text(app)
    assert TITLE_SHOWN in listed and "m␛]52;c;aGk=␇" in listed
    assert f"Delete session “{TITLE_SHOWN}”?" in asked
    assert TITLE_SHOWN in renaming


async def test_the_input_box_shows_a_recalled_or_pasted_prompt_as_marks():
    app = make_app(RecordingEngine(), conversation=hostile_conversation())
    async with app.run_test(size=SCREEN) as pilot:
        await until_idle(pilot)
        prompt = app.chat_screen.query_one(PromptInput)
        prompt.focus()
        await pilot.press("up")  # the resumed session's question comes back
        await pilot.pause()
        recalled = prompt.text
        prompt.text = ""
        prompt.post_message(events.Paste(HOSTILE))
        await pilot.pause()
        pasted = prompt.text
        shown = screen_text(app)
    assert_shown_safely(recalled)
    assert_shown_safely(pasted)
    assert_shown_safely(shown)


async def test_a_title_pasted_into_the_rename_dialog_shows_and_saves_its_controls_as_marks():
    store = SessionStore()
    session_id = record(store, hostile_conversation())
    app = make_app(RecordingEngine())
    async with app.run_test(size=SCREEN) as pilot:
        await until_idle(pilot)
        await pilot.press("f4")
        await pilot.pause()
        await pilot.press("r")
        await pilot.pause()
        rename = app.screen.query_one("#rename-input")
        rename.value = TITLE  # as a paste leaves it
        await pilot.pause()
        assert rename.value == TITLE_SHOWN
        await pilot.press("enter")
        await pilot.pause()
    assert store.load(session_id).title == TITLE_SHOWN


async def test_a_user_theme_named_with_escapes_is_listed_in_the_palette_as_marks():
    app = make_app(RecordingEngine())
    async with app.run_test(size=SCREEN):
        app.bundled_theme_names = (TITLE,)
        titles = [command.title for command in app.get_system_commands(app.chat_screen)]
    assert f"Theme: {TITLE_SHOWN}" in titles and all(forbidden_in(t) == [] for t in titles)
