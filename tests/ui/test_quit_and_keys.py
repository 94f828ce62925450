"""Keys as a new user presses them: Ctrl+Q mid-reply asks and keeps the reply, Ctrl+C
stops a reply, PageUp scrolls the conversation from the input, a new conversation is
typed into at once, and the footer fits a small terminal with F1 in it."""

from __future__ import annotations

from session_files import open_sessions_screen
from ui_harness import (
    NARROW,
    RecordingEngine,
    assistant_turns,
    make_app,
    press_now,
    ready,
    sample_conversation,
    send,
    until_idle,
    wait_for,
)

from qwen_tui.chat.messages import Conversation, FinishReason
from qwen_tui.config import Settings
from qwen_tui.sessions import SessionStore
from qwen_tui.ui.app import ChatApp
from qwen_tui.ui.screens.confirm_screen import ConfirmScreen
from qwen_tui.ui.widgets.conversation_view import ConversationView
from qwen_tui.ui.widgets.prompt_input import PromptInput


def slow_app() -> ChatApp:
    """The chat saving to the real sessions directory, its replies at 40 tokens a second."""
    return ChatApp(Settings(engine="demo"), engine=RecordingEngine(tokens_per_s=40))


async def streaming(pilot) -> None:
    app = pilot.app
    await ready(pilot)
    await send(pilot, "reverse a string")
    await wait_for(pilot, lambda: assistant_turns(app), what="a turn")
    turn = assistant_turns(app)[0]
    await wait_for(pilot, lambda: len(turn.thinking.text) > 20, what="some thinking")


async def test_ctrl_q_mid_reply_asks_first_and_quitting_saves_the_partial_reply():
    app = slow_app()
    async with app.run_test() as pilot:
        await streaming(pilot)
        await press_now(pilot, "ctrl+q")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmScreen), what="question")
        assert "saved, marked cancelled" in app.screen.question
        assert app.is_running
        await press_now(pilot, "ctrl+q")  # again: quit
        await wait_for(pilot, lambda: not app.is_running, what="the app to end")
    (session_id,) = SessionStore().ids()
    (question, reply) = SessionStore().load(session_id).conversation.messages
    assert question.content == "reverse a string"
    assert reply.finish_reason is FinishReason.CANCELLED and reply.thinking.startswith("Okay")


async def test_staying_after_ctrl_q_lets_the_reply_go_on():
    app = slow_app()
    async with app.run_test() as pilot:
        await streaming(pilot)
        await press_now(pilot, "ctrl+q")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmScreen), what="question")
        await pilot.press("n")
        assert app.is_running and app.core.live is not None
        await app.chat_screen.driver.cancel()


async def test_ctrl_c_stops_a_streaming_reply_like_esc():
    app = slow_app()
    async with app.run_test() as pilot:
        await streaming(pilot)
        await press_now(pilot, "ctrl+c")
        await wait_for(pilot, lambda: app.core.live is None, what="the reply to stop")
        assert app.core.conversation.messages[-1].finish_reason is FinishReason.CANCELLED
        assert app.is_running


def _long_conversation() -> Conversation:
    conversation = sample_conversation()
    for number in range(12):
        conversation.add_user(f"question {number}")
        conversation.add_assistant("\n\n".join(f"answer line {i}" for i in range(6)))
    return conversation


async def test_page_up_and_ctrl_home_in_the_input_scroll_the_conversation():
    app = make_app(conversation=_long_conversation())
    async with app.run_test(size=NARROW) as pilot:
        await ready(pilot)
        view = app.chat_screen.query_one(ConversationView)
        prompt = app.chat_screen.query_one(PromptInput)
        assert app.focused is prompt and view.scroll_y == view.max_scroll_y
        await pilot.press("pageup")
        await pilot.pause()
        assert 0 < view.scroll_y < view.max_scroll_y
        await pilot.press("ctrl+home")
        await pilot.pause()
        assert view.scroll_y == 0
        await pilot.press("ctrl+end")
        await pilot.pause(0.1)
        assert view.scroll_y == view.max_scroll_y and app.focused is prompt


async def test_a_new_conversation_started_from_a_focused_message_is_typed_into_at_once():
    app = make_app(conversation=sample_conversation())
    async with app.run_test() as pilot:
        await ready(pilot)
        assistant_turns(app)[0].focus()
        await pilot.press("ctrl+n")
        await pilot.press(*"hi")
        assert app.chat_screen.query_one(PromptInput).text == "hi"


async def test_at_80_columns_the_footer_shows_help_and_sessions_even_mid_reply():
    app = ChatApp(Settings(engine="demo"), engine=RecordingEngine(tokens_per_s=40))
    async with app.run_test(size=NARROW) as pilot:
        await streaming(pilot)
        await pilot.pause(0.1)
        footer = app.chat_screen.query_one("Footer")
        keys = [key.description for key in footer.query("FooterKey") if key.region.right <= 80]
        assert keys[:2] == ["Help", "Stop"] and "Sessions" in keys
        await app.chat_screen.driver.cancel()
        await until_idle(pilot)


async def test_notices_leave_the_status_bar_and_the_footer_visible():
    app = make_app()
    async with app.run_test(size=NARROW, notifications=True) as pilot:
        await ready(pilot)
        app.notify("A notice\nof two lines")
        await wait_for(pilot, lambda: app.screen.query("Toast"), what="the notice")
        (toast,) = app.screen.query("Toast")
        status = app.chat_screen.query_one("#status")
        assert toast.region.bottom <= app.chat_screen.query_one("#prompt").region.y
        assert not toast.region.overlaps(status.region)


async def test_a_screenshot_without_a_downloads_folder_goes_to_one_that_exists(
    tmp_path, monkeypatch
):
    import qwen_tui.ui.screenshots as screenshots

    monkeypatch.setattr(screenshots, "user_downloads_path", lambda: tmp_path / "no-such-dir")
    monkeypatch.chdir(tmp_path)
    app = make_app()
    async with app.run_test(notifications=True) as pilot:
        await ready(pilot)
        app.deliver_screenshot()
        await wait_for(pilot, lambda: list(tmp_path.glob("*.svg")), what="the screenshot")
        await wait_for(pilot, lambda: app._notifications, what="the notice")
        (saved,) = tmp_path.glob("*.svg")
        assert any(str(saved) in n.message for n in app._notifications)


async def test_a_session_opened_from_f4_is_typed_into_at_once():
    from tests.sessions.helpers import record
    from tests.sessions.helpers import sample_conversation as saved_conversation

    saved = record(SessionStore(), saved_conversation())
    app = ChatApp(Settings(engine="demo"), engine=RecordingEngine())
    async with app.run_test(size=(120, 40)) as pilot:
        await ready(pilot)
        await send(pilot, "a first question")
        await until_idle(pilot)
        assistant_turns(app)[0].focus()
        await open_sessions_screen(pilot, highlight=saved)
        await pilot.press("enter")
        await wait_for(pilot, lambda: app.core.conversation.system_prompt == "Be brief.")
        await pilot.press(*"go on")
        assert app.chat_screen.query_one(PromptInput).text == "go on"
