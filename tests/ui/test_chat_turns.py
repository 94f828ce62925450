"""Pilot tests of a chat turn: thinking streams and folds, switches reach the engine,
Esc stops at once, history carries no thinking."""

from __future__ import annotations

import asyncio
import time

from ui_harness import (
    HeldReplyEngine,
    RecorderSpy,
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

from qwen_tui.chat.messages import FinishReason
from qwen_tui.engine.scripted.playback import PlaybackEngine, PlaybackTurn
from qwen_tui.ui.widgets.prompt_input import PromptInput
from qwen_tui.ui.widgets.status_bar import StatusBar


async def test_thinking_pane_streams_live_then_folds_when_the_answer_starts():
    engine = HeldReplyEngine(hold_after=12)  # "<think>", "\n", then ten pieces of thinking
    app = make_app(engine)
    async with app.run_test(size=(160, 48)) as pilot:
        await ready(pilot)
        await send(pilot, "How do I reverse a string?")
        await wait_for(pilot, lambda: assistant_turns(app), what="a turn")
        pane = assistant_turns(app)[0].thinking
        await wait_for(pilot, lambda: len(pane.text.split()) > 5, what="thinking text")
        header = str(pane.query_one(".thinking-header").render())
        assert pane.streaming and pane.expanded
        assert header.startswith("▾ Thinking…") and "tokens" in header
        assert pane.text.split()[-1] in str(pane.query_one(".thinking-body").render())

        engine.release.set()
        await wait_for(pilot, lambda: assistant_turns(app)[0].answer.text, what="answer")
        await pilot.pause()
        header = str(pane.query_one(".thinking-header").render())
        assert not pane.streaming and not pane.expanded
        assert header.startswith("▸ Thought for ") and header.endswith(" tokens")
        assert pane.query_one(".thinking-body").region.height == 0  # folded: one line left


async def test_ctrl_t_turns_thinking_off_for_the_next_request():
    engine = RecordingEngine()
    app = make_app(engine)
    async with app.run_test() as pilot:
        await ready(pilot)
        await pilot.press("ctrl+t")
        assert app.chat_screen.query_one(StatusBar).thinking is False
        await send(pilot, "Reverse a string /think")
        await until_idle(pilot)
        assert engine.requests[-1].enable_thinking is False
        turn = assistant_turns(app)[-1]
        assert not turn.thinking.display and turn.answer.text.startswith("## ")
        await pilot.press("ctrl+t")
        await send(pilot, "again")
        await until_idle(pilot)
        assert engine.requests[-1].enable_thinking is True


async def test_no_think_reaches_the_engine_inside_the_message():
    engine = RecordingEngine()
    app = make_app(engine)
    async with app.run_test() as pilot:
        await ready(pilot)
        await send(pilot, "/no_think how do I read a file?")
        await until_idle(pilot)
        request = engine.requests[-1]
        assert request.messages[-1] == {
            "role": "user",
            "content": "/no_think how do I read a file?",
        }
        assert request.enable_thinking is True
        assert request.sampling.temperature == 0.7  # the non-thinking preset
        assert not assistant_turns(app)[-1].thinking.display


async def test_escape_cancels_within_a_frame_and_keeps_the_partial_reply():
    recorder = RecorderSpy()
    engine = HeldReplyEngine(hold_after=40)
    app = make_app(engine, recorder=recorder)
    async with app.run_test() as pilot:
        await ready(pilot)
        await send(pilot, "Tell me everything")
        await wait_for(pilot, lambda: assistant_turns(app), what="a turn")
        turn = assistant_turns(app)[0]
        await wait_for(pilot, lambda: len(turn.thinking.text) > 50, what="some thinking")
        pressed = time.monotonic()
        await press_now(pilot, "escape")
        while not turn.has_class("-cancelled") and time.monotonic() - pressed < 1:
            await asyncio.sleep(0.001)
        # Marked stopped at once, while the engine is still busy with its step: the UI
        # does not wait for the engine (a frame at 30 a second on an idle machine).
        assert time.monotonic() - pressed < 0.5 and app.core.busy
        assert "cancelled" in str(turn.query_one(".turn-note").render())
        message = app.core.conversation.messages[-1]
        assert message.finish_reason is FinishReason.CANCELLED
        assert message.thinking == turn.thinking.text and message.thinking.startswith("Okay")
        assert not message.thinking_finished
        kept = turn.thinking.text
        engine.release.set()
        await pilot.pause(0.3)
        assert turn.thinking.text == kept  # nothing streams into a cancelled turn
        assert recorder.assistants[-1].finish_reason is FinishReason.CANCELLED
        await until_idle(pilot)  # the engine really stopped, so the next message can run
        await send(pilot, "next")
        await wait_for(pilot, lambda: len(assistant_turns(app)) == 2, what="second turn")


async def test_second_turn_history_carries_the_answer_but_no_thinking():
    engine = RecordingEngine()
    app = make_app(engine)
    async with app.run_test() as pilot:
        await ready(pilot)
        await send(pilot, "How do I reverse a string?")
        await until_idle(pilot)
        first = app.core.conversation.messages[-1]
        assert first.thinking  # the UI keeps it for display...
        await send(pilot, "And a file?")
        await until_idle(pilot)
        history = engine.requests[-1].messages
        assert [m["role"] for m in history] == ["user", "assistant", "user"]
        assert history[1]["content"] == first.content
        assert all(first.thinking not in m["content"] for m in history)  # ...never the model
        assert "<think>" not in history[1]["content"]


async def test_recorder_gets_the_user_message_and_the_reply_with_how_it_streamed():
    recorder = RecorderSpy()
    app = make_app(RecordingEngine(tokens_per_s=400), recorder=recorder)
    async with app.run_test() as pilot:
        await ready(pilot)
        await send(pilot, "How do I reverse a string?")
        await until_idle(pilot, timeout=10)
        reply, timeline = recorder.assistants[-1], recorder.timelines[-1]
        assert recorder.users == ["How do I reverse a string?"]
        offsets = [c.offset_s for c in timeline]
        assert offsets == sorted(offsets) and 0 < offsets[0] < offsets[-1]  # as it streamed
        assert "".join(c.text for c in timeline if c.part == "thinking") == reply.thinking
        assert "".join(c.text for c in timeline if c.part == "answer") == reply.content
        assert reply.finish_reason is FinishReason.STOP and reply.stats.generated_tokens > 0


class BrokenDiskRecorder(RecorderSpy):
    """Fails on the first write, as a full disk would."""

    def record_user(self, message) -> None:
        raise OSError("No space left on device")


async def test_a_session_write_that_fails_is_one_notice_and_the_reply_still_arrives():
    recorder = BrokenDiskRecorder()
    app = make_app(RecordingEngine(), recorder=recorder)
    async with app.run_test() as pilot:
        await ready(pilot)
        await send(pilot, "How do I reverse a string?")
        await until_idle(pilot)
        notices = [n.message for n in app._notifications if "Session not saved" in n.message]
        assert notices == ["Session not saved: No space left on device"]
        assert assistant_turns(app)[-1].answer.text  # the reply is shown in full
        assert recorder.assistants == []  # nothing more is written to the broken session


async def test_a_resumed_conversation_is_shown_and_the_next_turn_carries_its_history():
    engine = RecordingEngine()
    app = make_app(engine, conversation=sample_conversation())
    async with app.run_test() as pilot:
        await ready(pilot)
        assert len(assistant_turns(app)) == 2
        await send(pilot, "one more")
        await until_idle(pilot)
        history = engine.requests[-1].messages
        assert [m["role"] for m in history] == ["user", "assistant"] * 2 + ["user"]
        assert history[1]["content"].startswith("## Reversing a string")


async def test_space_pauses_and_resumes_a_session_being_played_back():
    turn = PlaybackTurn(
        chunks=[(0.0, "thinking", "Recorded thinking."), (30.0, "answer", "Recorded answer.")],
        thinking="Recorded thinking.",
        answer="Recorded answer.",
    )
    engine = PlaybackEngine([turn], speed=1.0)
    app = make_app(engine, queued_prompts=("recorded question",))
    async with app.run_test() as pilot:
        await wait_for(pilot, lambda: assistant_turns(app), what="the played turn")
        await pilot.press("space")
        assert engine.paused
        assert app.chat_screen.query_one(PromptInput).text == ""  # Space did not type
        await pilot.press("space")
        assert not engine.paused
        await app.chat_screen.driver.cancel()


async def test_space_types_a_space_in_a_normal_chat():
    app = make_app()
    async with app.run_test() as pilot:
        await ready(pilot)
        await pilot.press("a", "space", "b")
        assert app.chat_screen.query_one(PromptInput).text == "a b"


async def test_a_new_conversation_renews_the_frozen_heap(monkeypatch):
    # The local engine freezes the heap after each reply (heap.py): a closed conversation's
    # widgets would stay frozen, never collected, unless the chat renews it.
    from qwen_tui import heap

    renewed = []
    monkeypatch.setattr(heap, "renew", lambda: renewed.append(True))
    app = make_app(RecordingEngine())
    async with app.run_test(size=(120, 40)) as pilot:
        await ready(pilot)
        await send(pilot, "Hello")
        await until_idle(pilot)
        assert renewed == []
        await pilot.press("ctrl+n")
        await wait_for(pilot, lambda: not assistant_turns(app), what="the new conversation")
        await pilot.pause()
        assert renewed == [True]
