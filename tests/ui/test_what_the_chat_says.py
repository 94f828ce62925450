"""What the chat shows is true: the mode that applies, a prompt being read, a question
left without a reply, the system prompt, and a played-back session's own figures."""

from __future__ import annotations

from ui_harness import (
    HeldReplyEngine,
    assistant_turns,
    make_app,
    ready,
    sample_conversation,
    send,
    wait_for,
)

from qwen_tui.chat.messages import Conversation
from qwen_tui.chat.parts import Part
from qwen_tui.config import Settings
from qwen_tui.engine.scripted.playback import PlaybackEngine, PlaybackTurn
from qwen_tui.ui.widgets.prompt_input import PromptInput
from qwen_tui.ui.widgets.status_bar import StatusBar


def _note(turn) -> str:
    notes = turn.query(".turn-note")  # none until the turn has composed
    return str(notes.first().render()) if notes else ""


async def test_the_status_bar_says_thinking_is_off_after_a_no_think_message():
    app = make_app(conversation=sample_conversation())  # its last message has /no_think
    async with app.run_test(size=(120, 30)) as pilot:
        await ready(pilot)
        status = app.chat_screen.query_one(StatusBar)
        assert "think off (/no_think)" in status.render().plain
        await pilot.resize_terminal(80, 24)
        await pilot.pause()
        shown = status.render().plain  # narrow: the last reply's speed gives way
        assert "think off (/no_think)" in shown and shown.endswith("ctx 106/40,960")
        await send(pilot, "and now? /think")
        await wait_for(pilot, lambda: "think on" in status.render().plain, what="think on")


async def test_while_the_prompt_is_read_the_turn_says_so_with_the_time_since_it_was_sent():
    engine = HeldReplyEngine(hold_after=0)  # holds before the first token
    app = make_app(engine)
    async with app.run_test() as pilot:
        await ready(pilot)
        await send(pilot, "a long document to read")
        await wait_for(pilot, lambda: assistant_turns(app), what="a turn")
        turn = assistant_turns(app)[0]
        tokens = app.core.live.prompt_tokens
        await wait_for(pilot, lambda: _note(turn).startswith("reading"), what="the note")
        first = _note(turn)
        assert first.startswith(f"reading the prompt ({tokens:,} tokens)… ")
        assert first.endswith(" s since sent")
        await wait_for(pilot, lambda: _note(turn) != first, what="the time to move on")
        engine.release.set()
        await wait_for(pilot, lambda: not _note(turn).startswith("reading"), what="tokens")


async def test_a_question_left_without_a_reply_is_marked_and_offered_again():
    conversation = Conversation()
    conversation.add_user("first question")
    conversation.add_assistant("first answer")
    conversation.add_user("lost in a crash")
    conversation.add_user("last question, no reply")
    app = make_app(conversation=conversation)
    async with app.run_test(notifications=True) as pilot:
        await ready(pilot)
        notes = app.chat_screen.query(".unanswered-note")
        assert len(notes) == 2 and "no reply: interrupted" in str(notes[0].render())
        prompt = app.chat_screen.query_one(PromptInput)
        assert prompt.text == "last question, no reply" and app.focused is prompt
        await pilot.pause()
        assert any("Enter asks again" in n.message for n in app._notifications)


async def test_the_system_prompt_is_shown_above_the_conversation():
    app = make_app(settings=Settings(engine="demo", system_prompt="Answer like a pirate."))
    async with app.run_test() as pilot:
        await ready(pilot)
        shown = app.chat_screen.query_one(".system-prompt")
        assert str(shown.render()) == "System prompt: Answer like a pirate."


def _recording(answer_at: float) -> PlaybackTurn:
    return PlaybackTurn(
        chunks=[
            (0.0, Part.THINKING, "Recorded thinking, "),
            (0.1, Part.THINKING, "in two pieces."),
            (answer_at, Part.ANSWER, "Recorded answer."),
        ],
        thinking="Recorded thinking, in two pieces.",
        answer="Recorded answer.",
        thinking_tokens=109,
    )


async def test_playback_counts_the_recorded_tokens_and_takes_no_typing():
    engine = PlaybackEngine([_recording(answer_at=0.3)], speed=1.0)
    app = make_app(engine, queued_prompts=("recorded question",))
    async with app.run_test() as pilot:
        await wait_for(pilot, lambda: app.core.conversation.messages[1:], what="the reply")
        turn = assistant_turns(app)[0]
        assert turn.thinking.header_text().endswith("· 109 tokens")
        prompt = app.chat_screen.query_one(PromptInput)
        assert prompt.read_only and "read-only" in str(prompt.border_title)
        prompt.focus()
        await pilot.press("h", "i", "enter")
        assert prompt.text == "" and len(app.core.conversation.messages) == 2
        footer = {key.description for key in app.chat_screen.query("FooterKey")}
        assert "Pause" in footer and not {"Thinking", "New", "Sessions"} & footer


async def test_a_paused_playback_stops_its_thinking_clock():
    engine = PlaybackEngine([_recording(answer_at=30.0)], speed=1.0)
    app = make_app(engine, queued_prompts=("recorded question",))
    async with app.run_test() as pilot:
        await wait_for(pilot, lambda: assistant_turns(app), what="the played turn")
        pane = assistant_turns(app)[0].thinking
        await wait_for(pilot, lambda: "pieces" in pane.text, what="the thinking")
        await pilot.press("space")
        assert engine.paused
        held = pane.header_text()
        await pilot.pause(0.3)
        assert pane.header_text() == held
        await app.chat_screen.driver.cancel()
