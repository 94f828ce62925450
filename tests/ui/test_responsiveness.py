"""The UI answers keys promptly while the engine streams as fast as it can."""

from __future__ import annotations

import asyncio
import math
import time

from textual import events
from ui_harness import (
    LongReplyEngine,
    live_turn,
    make_app,
    ready,
    send,
    until_idle,
    wait_for,
)

from qwen_tui import heap
from qwen_tui.ui.engine_bridge import EngineEventsWaiting
from qwen_tui.ui.widgets.prompt_input import PromptInput

PROMPT_S = 0.25
"""Slowest acceptable answer to a key press (a frozen UI takes seconds)."""


async def test_typing_and_esc_are_answered_promptly_while_the_engine_streams_at_full_speed():
    engine = LongReplyEngine(words=60_000, tokens_per_s=math.inf)
    app = make_app(engine)
    async with app.run_test(size=(160, 48)) as pilot:
        await ready(pilot)
        # The local engine settles the heap once it has loaded (`heap.py`); this fake one
        # does not, and a full collection over the whole test session's objects took 0.6 s
        # mid-stream in CI, a pause the chat's users do not get.
        heap.settle()
        await send(pilot, "think hard")
        await wait_for(pilot, lambda: (turn := live_turn(app)) and turn.thinking.text)
        prompt = app.chat_screen.query_one(PromptInput)
        prompt.focus()
        latencies = []
        while app.core.live is not None and len(latencies) < 10:
            typed = len(prompt.text)
            started = time.monotonic()
            app.post_message(events.Key("x", "x"))
            while len(prompt.text) == typed:
                await asyncio.sleep(0.001)
            latencies.append(time.monotonic() - started)
            await asyncio.sleep(0.05)
        turn = live_turn(app)
        streamed = len(turn.thinking.text) if turn else None
        assert len(latencies) >= 3, "the reply ended before the UI could be probed"
        assert max(latencies) < PROMPT_S, f"key latencies {latencies}"
        assert streamed is None or streamed > 1_000  # it really was streaming meanwhile
        if turn is not None:  # and Esc stops it just as promptly
            started = time.monotonic()
            app.post_message(events.Key("escape", None))
            while not turn.has_class("-cancelled"):
                await asyncio.sleep(0.001)
            assert time.monotonic() - started < PROMPT_S


async def test_a_flood_of_deltas_reaches_the_ui_as_a_few_batched_messages():
    seen: list[object] = []
    engine = LongReplyEngine(words=5_000, tokens_per_s=math.inf)
    app = make_app(engine)
    async with app.run_test(message_hook=seen.append) as pilot:
        await ready(pilot)
        await send(pilot, "think hard")
        await until_idle(pilot, timeout=30)  # a busy CI machine takes its time
        finished = app.core.conversation.messages[-1]
    wakeups = sum(isinstance(message, EngineEventsWaiting) for message in seen)
    assert finished.stats.generated_tokens > 5_000
    assert wakeups < finished.stats.generated_tokens / 20  # about one per frame, not per token
    assert finished.thinking.startswith("thought0") and finished.thinking.endswith("thought4999")
