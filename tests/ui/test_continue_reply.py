"""`/continue` in the chat: a reply stopped with Esc goes on in the same reply, with no new
user turn, and the session holds it as one reply."""

from __future__ import annotations

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

from qwen_tui.chat.messages import FinishReason, Role
from qwen_tui.chat.sampling import THINKING_PRESET
from qwen_tui.config import Settings
from qwen_tui.engine.base import GenerationRequest
from qwen_tui.engine.scripted.demo_pieces import split_reply
from qwen_tui.engine.scripted.demo_replies import compose_reply
from qwen_tui.sessions import SessionStore
from qwen_tui.ui.app import ChatApp

QUESTION = "How do I reverse a string in Python?"
THINKING, ANSWER = compose_reply(QUESTION, 0)


def answer_starts_at() -> int:
    """Pieces the demo writes before its answer."""
    request = GenerationRequest(({"role": "user", "content": QUESTION},), True, THINKING_PRESET)
    return split_reply(THINKING, ANSWER, request).index("</think>") + 2


async def stop_while_it_writes(pilot, engine: HeldReplyEngine, part: str) -> None:
    """Ask the question, wait until the reply's `part` ("answer" or "thinking") shows
    text, and press Esc; the engine is released so the stop lands at once."""
    app = pilot.app
    await ready(pilot)
    await send(pilot, QUESTION)
    await wait_for(
        pilot, lambda: assistant_turns(app) and getattr(assistant_turns(app)[0], part).text
    )
    await press_now(pilot, "escape")
    engine.release.set()
    await until_idle(pilot)


async def test_a_reply_stopped_with_esc_goes_on_in_the_same_reply():
    engine = HeldReplyEngine(hold_after=answer_starts_at() + 6)
    app = ChatApp(Settings(engine="demo"), engine=engine)
    async with app.run_test(size=(160, 48)) as pilot:
        await stop_while_it_writes(pilot, engine, "answer")
        [turn] = assistant_turns(app)
        partial = turn.answer.text
        assert 0 < len(partial) < len(ANSWER) and ANSWER.startswith(partial)
        assert turn.has_class("-cancelled")

        await enter(pilot, "/continue")
        await until_idle(pilot)
        assert assistant_turns(app) == [turn]  # no new reply, no new user message
        assert turn.answer.text == ANSWER and not turn.has_class("-cancelled")
        messages = app.core.conversation.messages
        assert [m.role for m in messages] == [Role.USER, Role.ASSISTANT]
        assert (messages[1].content, messages[1].thinking) == (ANSWER, THINKING.strip("\n"))
        assert messages[1].finish_reason is FinishReason.STOP
        assert len(engine.requests) == 2 and engine.requests[1].continues.answer == partial
        assert engine.requests[1].messages == engine.requests[0].messages
        session_id = app.core.recorder.session_id
    resumed = SessionStore().load(session_id)
    assert [m.role for m in resumed.conversation.messages] == [Role.USER, Role.ASSISTANT]
    assert resumed.conversation.messages[1].content == ANSWER
    assert len(resumed.timelines) == 1


async def test_continue_after_a_complete_reply_says_there_is_nothing_to_continue():
    app = make_app()
    async with app.run_test() as pilot:
        await ready(pilot)
        await enter(pilot, "/continue")
        await send(pilot, "Hi")
        await until_idle(pilot)
        await enter(pilot, "/continue")
        await pilot.pause()
        assert len(app.core.conversation.messages) == 2 and len(assistant_turns(app)) == 1
        shown = [n.message for n in app._notifications]
        assert "There is no reply to continue yet." in shown
        assert any(text.startswith("The last reply is complete") for text in shown)


class _FailsToContinue(HeldReplyEngine):
    def _generate(self, request, sink, cancelled):
        if request.continues is not None:
            raise RuntimeError("the GPU fell off the bus")
        return super()._generate(request, sink, cancelled)


async def test_a_continuation_that_fails_keeps_the_partial_reply():
    engine = _FailsToContinue(hold_after=answer_starts_at() + 6)
    app = make_app(engine)
    async with app.run_test(size=(160, 48)) as pilot:
        await stop_while_it_writes(pilot, engine, "answer")
        partial = app.core.conversation.messages[-1].content
        await enter(pilot, "/continue")
        await until_idle(pilot)
        reply = app.core.conversation.messages[-1]
        assert reply.content == partial and reply.finish_reason is FinishReason.CANCELLED
        assert assistant_turns(app)[-1].answer.text == partial
        assert any("fell off the bus" in n.message for n in app._notifications)


async def test_a_reply_stopped_in_its_thinking_thinks_on_then_answers_in_the_same_reply():
    engine = HeldReplyEngine(hold_after=12)  # ten pieces into the thinking
    app = make_app(engine)
    async with app.run_test(size=(160, 48)) as pilot:
        await stop_while_it_writes(pilot, engine, "thinking")
        [turn] = assistant_turns(app)
        header = turn.thinking.query_one(".thinking-header")
        assert str(header.render()).startswith("▸ Stopped thinking after")
        await enter(pilot, "/continue")
        await until_idle(pilot)
        assert assistant_turns(app) == [turn]
        assert turn.thinking.text == THINKING.strip("\n") and turn.answer.text == ANSWER
        assert str(header.render()).startswith("▸ Thought for ")


async def test_an_engine_that_cannot_continue_says_so():
    engine = HeldReplyEngine(hold_after=10_000)
    engine.can_continue = False  # as the openai engine: the server renders the prompt
    app = make_app(engine)
    async with app.run_test() as pilot:
        await ready(pilot)
        await enter(pilot, "/continue")
        await pilot.pause()
        shown = [n.message for n in app._notifications]
        assert "This engine cannot continue a reply; the local and demo engines can." in shown
        assert not engine.requests
