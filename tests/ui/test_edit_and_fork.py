"""E on a past message of the chat: edit it in the input, and Enter sends it as a fork,
a new session that goes on from there with the history before it, the original session
left as it was. Esc cancels the edit."""

from __future__ import annotations

from ui_harness import (
    HeldReplyEngine,
    RecordingEngine,
    assistant_turns,
    enter,
    make_app,
    press_now,
    ready,
    sample_conversation,
    send,
    until_idle,
    wait_for,
)

from qwen_tui.chat.fork_origin import ForkOrigin
from qwen_tui.chat.messages import Role
from qwen_tui.config import Settings
from qwen_tui.conversation import forking
from qwen_tui.sessions import SessionStore
from qwen_tui.ui.app import ChatApp
from qwen_tui.ui.screens.budget_screen import BudgetScreen
from qwen_tui.ui.widgets.edit_banner import EditBanner
from qwen_tui.ui.widgets.fork_mark import ForkMark
from qwen_tui.ui.widgets.prompt_input import PromptInput
from qwen_tui.ui.widgets.user_turn import UserTurn


def saving_app(engine: RecordingEngine) -> ChatApp:
    """The chat as a user runs it: every conversation saved in the sessions folder."""
    return ChatApp(Settings(engine="demo"), engine=engine)


async def two_turns(pilot) -> None:
    await ready(pilot)
    for question in ("How do I reverse a string?", "And a list?"):
        await send(pilot, question)
        await until_idle(pilot)


async def edit(pilot, number: int) -> None:
    """Focus user message `number` (from 1) and press E on it."""
    pilot.app.chat_screen.query(UserTurn)[number - 1].focus()
    await pilot.press("e")


def shown_text(widget) -> str:
    return str(widget.render())


async def test_editing_the_first_message_forks_a_new_session_and_leaves_the_original_as_it_was():
    engine = RecordingEngine()
    app = saving_app(engine)
    store = SessionStore()
    async with app.run_test(size=(120, 40)) as pilot:
        await two_turns(pilot)
        original = app.core.recorder.session_id
        original_bytes = store.path_for(original).read_bytes()
        await edit(pilot, 1)
        prompt = app.chat_screen.query_one(PromptInput)
        banner = app.chat_screen.query_one(EditBanner)
        assert prompt.text == "How do I reverse a string?"
        assert banner.display and "Editing message 1" in shown_text(banner)
        prompt.text = "How do I reverse a string in Rust?"
        await press_now(pilot, "enter")
        await wait_for(pilot, lambda: app.core.conversation.forked_from, what="the fork")
        await until_idle(pilot)
        await pilot.pause()

        # The model got the edited message alone: nothing came before message 1.
        assert [m["content"] for m in engine.requests[-1].messages] == [
            "How do I reverse a string in Rust?"
        ]
        messages = app.core.conversation.messages
        assert [m.role for m in messages] == [Role.USER, Role.ASSISTANT]
        assert messages[0].content == "How do I reverse a string in Rust?"
        assert messages[1].content  # the model's reply
        assert [shown_text(u) for u in app.chat_screen.query(UserTurn)] == [
            "How do I reverse a string in Rust?"
        ]
        assert len(assistant_turns(app)) == 1
        mark = app.chat_screen.query_one(ForkMark)
        assert shown_text(mark) == f"⑂ Forked from session {original} at message 1"
        assert not banner.display
        fork = app.core.recorder.session_id
        assert fork != original
        assert any("stays as it was" in n.message for n in app._notifications)

    assert store.path_for(original).read_bytes() == original_bytes
    saved = store.load(fork)
    assert saved.forked_from == ForkOrigin(original, 1)
    assert [m.content for m in saved.conversation.messages] == [
        "How do I reverse a string in Rust?",
        messages[1].content,
    ]
    listed = {s.id: s for s in store.list()}
    assert listed[original].fork is None and listed[original].turns == 2
    assert listed[fork].fork == ForkOrigin(original, 1)


async def test_editing_the_last_message_sends_the_history_before_it_then_the_edit():
    engine = RecordingEngine()
    app = saving_app(engine)
    async with app.run_test(size=(120, 40)) as pilot:
        await two_turns(pilot)
        original = app.core.recorder.session_id
        first_reply = app.core.conversation.messages[1].content
        await edit(pilot, 2)
        app.chat_screen.query_one(PromptInput).text = "And a tuple?"
        await press_now(pilot, "enter")
        await wait_for(pilot, lambda: app.core.conversation.forked_from, what="the fork")
        await until_idle(pilot)

        assert [(m["role"], m["content"]) for m in engine.requests[-1].messages] == [
            ("user", "How do I reverse a string?"),
            ("assistant", first_reply),
            ("user", "And a tuple?"),
        ]
        assert [shown_text(u) for u in app.chat_screen.query(UserTurn)] == [
            "How do I reverse a string?",
            "And a tuple?",
        ]
        assert app.core.conversation.forked_from == ForkOrigin(original, 2)
        fork = app.core.recorder.session_id

    # The fork's file holds the copied history and its own turn: it reads whole on its own.
    saved = SessionStore().load(fork)
    assert [m.content for m in saved.conversation.user_messages] == [
        "How do I reverse a string?",
        "And a tuple?",
    ]
    assert saved.conversation.messages[1].content == first_reply


async def test_esc_cancels_the_edit_and_gives_back_what_was_typed():
    engine = RecordingEngine()
    app = saving_app(engine)
    async with app.run_test(size=(120, 40)) as pilot:
        await two_turns(pilot)
        session = app.core.recorder.session_id
        prompt = app.chat_screen.query_one(PromptInput)
        prompt.text = "a draft"
        await edit(pilot, 1)
        assert prompt.text == "How do I reverse a string?"
        await pilot.press("escape")
        assert prompt.text == "a draft"
        assert not app.chat_screen.query_one(EditBanner).display
        requests = len(engine.requests)

        await press_now(pilot, "enter")  # the draft goes on in this conversation
        await wait_for(pilot, lambda: len(engine.requests) > requests, what="the draft sent")
        await until_idle(pilot)
        assert app.core.conversation.forked_from is None
        assert app.core.recorder.session_id == session
        assert [m.content for m in app.core.conversation.user_messages][-1] == "a draft"
        assert not app.chat_screen.query(ForkMark)


async def test_an_edit_while_a_reply_streams_is_refused_with_one_line():
    engine = HeldReplyEngine(hold_after=5)
    app = saving_app(engine)
    async with app.run_test(size=(120, 40)) as pilot:
        await ready(pilot)
        await send(pilot, "Tell me everything")
        await wait_for(pilot, lambda: app.core.live is not None, what="a reply")
        await edit(pilot, 1)
        assert forking.BUSY in [n.message for n in app._notifications]
        assert not app.chat_screen.query_one(EditBanner).display
        assert app.chat_screen.query_one(PromptInput).text == ""
        engine.release.set()
        await until_idle(pilot)
        assert app.core.conversation.forked_from is None


class TinyContextEngine(RecordingEngine):
    context_limit = 1_300


async def test_after_the_oldest_turn_was_dropped_numbers_still_count_every_message_shown():
    engine = TinyContextEngine()
    settings = Settings(engine="demo", max_new_tokens=1_200)
    app = make_app(engine, settings=settings, conversation=sample_conversation())
    async with app.run_test(size=(120, 40)) as pilot:
        await ready(pilot)
        await enter(pilot, "Another question about strings " * 8)
        await wait_for(pilot, lambda: isinstance(app.screen, BudgetScreen), what="dialog")
        await pilot.press("d")  # drop the oldest turn
        await until_idle(pilot)
        second_reply = app.core.conversation.messages[1].content

        await edit(pilot, 1)  # dimmed: the model no longer reads it
        assert forking.DROPPED.format(number=1) in [n.message for n in app._notifications]
        assert not app.chat_screen.query_one(EditBanner).display

        await edit(pilot, 3)
        app.chat_screen.query_one(PromptInput).text = "Short?"
        await press_now(pilot, "enter")
        await wait_for(pilot, lambda: app.core.conversation.forked_from, what="the fork")
        await until_idle(pilot)
        assert app.core.conversation.forked_from == ForkOrigin(None, 3)
        assert [m["content"] for m in engine.requests[-1].messages] == [
            "And without thinking? /no_think",
            second_reply,
            "Short?",
        ]


async def test_the_palette_edits_the_last_message():
    app = saving_app(RecordingEngine())
    async with app.run_test(size=(120, 40)) as pilot:
        await two_turns(pilot)
        (command,) = [
            c for c in app.get_system_commands(app.screen) if c.title == "Edit your last message"
        ]
        command.callback()
        await pilot.pause()
        assert app.chat_screen.query_one(PromptInput).text == "And a list?"
        assert "Editing message 2" in shown_text(app.chat_screen.query_one(EditBanner))


async def test_a_new_conversation_while_editing_ends_the_edit_and_keeps_the_text():
    app = saving_app(RecordingEngine())
    async with app.run_test(size=(120, 40)) as pilot:
        await two_turns(pilot)
        await edit(pilot, 1)
        assert "Cancel edit" in [b.binding.description for b in app.screen.active_bindings.values()]
        await pilot.press("ctrl+n")
        await pilot.pause()
        assert not app.chat_screen.query_one(EditBanner).display
        assert app.chat_screen.query_one(PromptInput).text == "How do I reverse a string?"
        descriptions = [b.binding.description for b in app.screen.active_bindings.values()]
        assert "Cancel edit" not in descriptions
        await press_now(pilot, "enter")  # a plain first message of the new conversation
        await wait_for(pilot, lambda: app.core.conversation.messages, what="sent")
        await until_idle(pilot)
        assert app.core.conversation.forked_from is None
        assert not app.chat_screen.query(ForkMark)


async def run_command(pilot, line: str) -> None:
    """Type a /command into the input and press Enter."""
    pilot.app.chat_screen.query_one(PromptInput).text = line
    await press_now(pilot, "enter")
    await pilot.pause()


async def test_slash_edit_takes_a_message_number_and_says_when_there_is_none():
    app = saving_app(RecordingEngine())
    async with app.run_test(size=(120, 40)) as pilot:
        await two_turns(pilot)
        prompt = app.chat_screen.query_one(PromptInput)
        banner = app.chat_screen.query_one(EditBanner)
        for wrong in ("3", "0", "two"):
            await run_command(pilot, f"/edit {wrong}")
            assert not banner.display
        refusal = (
            "/edit takes the number of one of your 2 messages, from 1 to 2 (/edit alone: the last)."
        )
        assert [n.message for n in app._notifications].count(refusal) == 3
        await run_command(pilot, "/edit 1")
        await wait_for(pilot, lambda: banner.display, what="the edit banner")
        assert prompt.text == "How do I reverse a string?"
        assert "Editing message 1" in shown_text(banner)
        await press_now(pilot, "escape")
        await run_command(pilot, "/edit")
        await wait_for(pilot, lambda: banner.display, what="the edit banner")
        assert prompt.text == "And a list?"
        assert "Editing message 2" in shown_text(banner)
