"""The thinking budget in the chat: a reply whose thinking the budget ended says so in its
folded summary, in the session too, and the budget can change between turns."""

from __future__ import annotations

from ui_harness import (
    RecorderSpy,
    RecordingEngine,
    assistant_turns,
    make_app,
    ready,
    send,
    until_idle,
)

from qwen_tui.config import Settings
from qwen_tui.engine.thinking_budget import STOP_THINKING_TEXT
from qwen_tui.ui.widgets.assistant_turn import AssistantTurn


def header(turn: AssistantTurn) -> str:
    return str(turn.thinking.query_one(".thinking-header").render())


async def test_the_folded_summary_says_the_thinking_budget_was_reached():
    engine, recorder = RecordingEngine(), RecorderSpy()
    app = make_app(engine, settings=Settings(engine="demo", thinking_budget=8), recorder=recorder)
    async with app.run_test(size=(160, 48)) as pilot:
        await ready(pilot)
        await send(pilot, "How do I reverse a string?")
        await until_idle(pilot)
        turn = assistant_turns(app)[-1]
        assert engine.requests[-1].thinking_budget == 8
        assert header(turn).startswith("▸ Thought for ")
        assert header(turn).endswith("tokens · thinking budget reached")
        assert turn.thinking.text.endswith(STOP_THINKING_TEXT.partition("\n</think>")[0])
        assert turn.answer.text.startswith("## ")
        assert recorder.assistants[-1].thinking_budget_reached

        app.core.set_thinking_budget(None)
        await send(pilot, "And again?")
        await until_idle(pilot)
        assert engine.requests[-1].thinking_budget is None
        assert "budget" not in header(assistant_turns(app)[-1])
        assert not recorder.assistants[-1].thinking_budget_reached
        assert recorder.sets == [("thinking_budget", None)]  # recorded as /set records it


async def test_a_resumed_reply_still_says_its_budget_was_reached():
    from qwen_tui.chat.messages import Conversation

    conversation = Conversation()
    conversation.add_user("Hi")
    conversation.add_assistant("Hello!", "Short thought", thinking_tokens=3)
    conversation.messages[-1].thinking_budget_reached = True
    app = make_app(conversation=conversation)
    async with app.run_test(size=(160, 48)) as pilot:
        await ready(pilot)
        assert header(assistant_turns(app)[0]) == "▸ Thoughts · 3 tokens · thinking budget reached"
