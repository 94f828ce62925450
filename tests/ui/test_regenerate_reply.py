"""Regenerating the last reply in the chat (Ctrl+R, /retry, R on the reply) and switching
between a message's replies with ← →: the earlier replies are kept, the one shown is what
the next turn's history carries, and the session remembers them all."""

from __future__ import annotations

import json

from ui_harness import (
    HeldReplyEngine,
    assistant_turns,
    enter,
    make_app,
    press_now,
    ready,
    send,
    until_idle,
    wait_for,
)

from qwen_tui.chat.alternatives import reply_count
from qwen_tui.chat.messages import Message, Role, ToolCallRecord
from qwen_tui.config import Settings
from qwen_tui.conversation.recorded_tools import RecordedCall, RecordedToolRunner
from qwen_tui.conversation.regenerating import BUSY
from qwen_tui.sessions import SessionStore
from qwen_tui.ui.app import ChatApp
from qwen_tui.ui.widgets.conversation_view import ConversationView
from qwen_tui.ui.widgets.tool_call_block import ToolCallBlock
from tests.recording_engine import RecordingEngine


class NumberedEngine(RecordingEngine):
    """Answers each request with its number, so each reply made again differs."""

    def compose_reply(self, request):
        return "", f"Answer number {len(self.requests)}."


class HeldNumberedEngine(HeldReplyEngine, NumberedEngine):
    """`NumberedEngine`, held after a few tokens until released."""


def choice_text(app) -> list[str]:
    """The "◂ n/m ▸" line of each reply that shows one."""
    return [str(t.choice.render()) for t in assistant_turns(app) if t.choice.display]


def notices(app) -> list[str]:
    return [n.message for n in app._notifications]


def history_answers(request) -> list[str]:
    return [m["content"] for m in request.messages if m["role"] == "assistant"]


async def settled(pilot, replies: int | None = None) -> None:
    """Wait until the reply has ended and is shown whole (and, if given, the last user
    message has had `replies` replies)."""
    app = pilot.app

    def done() -> bool:
        users = app.core.conversation.user_messages
        if replies is not None and (not users or reply_count(users[-1]) != replies):
            return False
        return not any(t.streaming for t in assistant_turns(app))

    await wait_for(pilot, done, what=f"{replies} replies")
    await until_idle(pilot)


async def ask_then_regenerate(pilot, times: int) -> None:
    await ready(pilot)
    await send(pilot, "Hi")
    await settled(pilot, 1)
    for made in range(2, times + 2):
        await pilot.press("ctrl+r")
        await settled(pilot, made)


async def test_ctrl_r_answers_the_last_message_again_and_keeps_the_earlier_reply():
    engine = NumberedEngine()
    app = make_app(engine)
    async with app.run_test() as pilot:
        await ask_then_regenerate(pilot, 1)
        [turn] = assistant_turns(app)  # in the place of the first one, no new user turn
        assert turn.answer.text == "Answer number 2."
        assert choice_text(app) == ["◂ 2/2 ▸"]
        assert len(app.chat_screen.query("UserTurn")) == 1
        user, reply = app.core.conversation.messages
        assert (user.role, reply.content) == (Role.USER, "Answer number 2.")
        assert [[m.content for m in r] for r in user.other_replies] == [["Answer number 1."]]
        assert engine.requests[1].messages == engine.requests[0].messages  # the same turn


async def test_slash_retry_and_r_on_the_reply_regenerate_too():
    engine = NumberedEngine()
    app = make_app(engine)
    async with app.run_test() as pilot:
        await ask_then_regenerate(pilot, 0)
        await enter(pilot, "/retry")
        await settled(pilot, 2)
        assert choice_text(app) == ["◂ 2/2 ▸"]
        assistant_turns(app)[0].focus()
        await pilot.press("r")
        await settled(pilot, 3)
        assert choice_text(app) == ["◂ 3/3 ▸"]
        assert assistant_turns(app)[0].answer.text == "Answer number 3."
        assert len(engine.requests) == 3
        await pilot.press("left")  # the new reply has the focus the old one had
        await pilot.pause()
        assert choice_text(app) == ["◂ 2/3 ▸"]


async def test_left_and_right_switch_replies_and_the_next_turn_carries_the_shown_one():
    engine = NumberedEngine()
    app = make_app(engine)
    async with app.run_test() as pilot:
        await ask_then_regenerate(pilot, 2)
        assistant_turns(app)[0].focus()
        await pilot.press("left", "left", "left")  # at the first one, a third does nothing
        await pilot.pause()
        [turn] = assistant_turns(app)
        assert turn.answer.text == "Answer number 1." and choice_text(app) == ["◂ 1/3 ▸"]
        turn.focus()
        await pilot.press("right")
        await pilot.pause()
        assert assistant_turns(app)[0].answer.text == "Answer number 2."
        assert choice_text(app) == ["◂ 2/3 ▸"]
        await pilot.press("f2")
        assert app.clipboard == "Answer number 2."
        app.chat_screen.query_one("#prompt").focus()
        await send(pilot, "And then?")
        await settled(pilot, 1)
        assert history_answers(engine.requests[-1]) == ["Answer number 2."]
        assert choice_text(app) == ["◂ 2/3 ▸"]  # the new reply has no others
        assert assistant_turns(app)[-1].answer.text == "Answer number 4."


async def test_an_earlier_reply_can_be_switched_but_only_the_last_regenerated():
    engine = NumberedEngine()
    app = make_app(engine)
    async with app.run_test() as pilot:
        await ask_then_regenerate(pilot, 1)
        await send(pilot, "Next")
        await settled(pilot, 1)
        first = assistant_turns(app)[0]
        first.focus()
        await pilot.press("r")
        await pilot.pause()
        assert "Only the last reply can be regenerated." in notices(app)
        assert len(engine.requests) == 3
        await pilot.press("left")
        await pilot.pause()
        assert [t.answer.text for t in assistant_turns(app)] == [
            "Answer number 1.",
            "Answer number 3.",
        ]
        app.chat_screen.query_one("#prompt").focus()
        await send(pilot, "Last")
        await settled(pilot, 1)
        assert history_answers(engine.requests[-1]) == ["Answer number 1.", "Answer number 3."]
        assistant_turns(app)[1].focus()
        await pilot.press("right")
        await pilot.pause()
        assert any("no other versions" in n for n in notices(app))


async def test_regenerating_while_a_reply_streams_is_refused_in_one_line():
    engine = HeldNumberedEngine(hold_after=2)
    app = make_app(engine)
    async with app.run_test() as pilot:
        await ready(pilot)
        await send(pilot, "Hi")
        await wait_for(pilot, lambda: app.core.live is not None)
        await press_now(pilot, "ctrl+r")
        await wait_for(pilot, lambda: BUSY in notices(app))
        engine.release.set()
        await until_idle(pilot)
        assert len(engine.requests) == 1 and not choice_text(app)
        assert app.core.conversation.messages[0].other_replies == []


async def test_before_any_reply_there_is_nothing_to_regenerate():
    app = make_app(NumberedEngine())
    async with app.run_test() as pilot:
        await ready(pilot)
        await pilot.press("ctrl+r")
        await pilot.pause()
        assert "There is no reply to regenerate yet." in notices(app)


class ToolTurnEngine(NumberedEngine):
    """Asks for the time, then answers from the result with the request's number."""

    def compose_reply(self, request):
        if request.messages[-1]["role"] == "user":
            call = {"name": "time.now", "arguments": {}}
            return "", f"<tool_call>{json.dumps(call)}</tool_call>"
        return super().compose_reply(request)


def time_results(sink) -> RecordedToolRunner:
    recorded = [
        RecordedCall(
            ToolCallRecord("time.now", {}), Message(Role.TOOL, f"{hour}:00", tool_name="time.now")
        )
        for hour in (9, 10)
    ]
    return RecordedToolRunner(recorded, (), sink)


async def test_regenerating_a_turn_with_tool_calls_reruns_it_from_the_user_message():
    engine = ToolTurnEngine()
    app = ChatApp(
        Settings(engine="demo"),
        engine=engine,
        recorder_factory=lambda _settings, _engine: None,
        tools=time_results,
    )
    async with app.run_test() as pilot:
        await ask_then_regenerate(pilot, 1)
        view = app.chat_screen.query_one(ConversationView)
        blocks = list(view.query(ToolCallBlock))
        assert len(blocks) == 1 and len(assistant_turns(app)) == 2  # one turn's widgets
        assert assistant_turns(app)[-1].answer.text == "Answer number 4."
        assert choice_text(app) == ["◂ 2/2 ▸"]
        user = app.core.conversation.messages[0]
        assert [m.role for m in user.other_replies[0]] == [
            Role.ASSISTANT,
            Role.TOOL,
            Role.ASSISTANT,
        ]
        assert [m.content for m in app.core.conversation.messages[1:]][1:] == [
            "10:00",
            "Answer number 4.",
        ]
        assert engine.requests[2].messages == engine.requests[0].messages


async def test_the_session_keeps_every_reply_and_resume_shows_the_one_chosen():
    engine = NumberedEngine()
    app = ChatApp(Settings(engine="demo"), engine=engine)
    async with app.run_test() as pilot:
        await ask_then_regenerate(pilot, 2)
        assistant_turns(app)[0].focus()
        await pilot.press("left")
        await pilot.pause()
        session_id = app.core.recorder.session_id
    session = SessionStore().load(session_id)
    user, shown = session.conversation.messages
    assert shown.content == "Answer number 2." and user.shown_reply == 1
    assert [r[0].content for r in user.other_replies] == ["Answer number 1.", "Answer number 3."]
    assert len(session.timelines) == 3  # each reply plays back with its own

    resumed = make_app(NumberedEngine(), conversation=session.conversation)
    async with resumed.run_test() as pilot:
        await ready(pilot)
        assert choice_text(resumed) == ["◂ 2/3 ▸"]
        assistant_turns(resumed)[0].focus()
        await pilot.press("right")
        await pilot.pause()
        assert assistant_turns(resumed)[0].answer.text == "Answer number 3."
