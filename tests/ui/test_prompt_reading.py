"""While the engine reads a prompt the UI leaves it the CPU: a new turn's widgets wait for
the reply's first token (`PREFILL_HEADSTART_S` at most), and nothing of the reply is lost
for it, nor is Esc any slower."""

from __future__ import annotations

import asyncio
import threading
import time

import pytest
from ui_harness import HeldReplyEngine, assistant_turns, make_app, press_now, ready, send, wait_for

from qwen_tui.ui import turn_driver
from qwen_tui.ui.widgets.user_turn import UserTurn
from tests.recording_engine import RecordingEngine

PROMPT_S = 0.25
"""Slowest acceptable answer to Esc."""


class SlowPromptEngine(RecordingEngine):
    """Reads every prompt for 20 s unless cancelled, as a GPU with a huge prompt would."""

    def _pause(self, seconds: float, cancelled: threading.Event, until: bool = False) -> bool:
        if until:  # the wait before each streamed token
            return super()._pause(seconds, cancelled, until)
        return not cancelled.wait(20.0)


def _user_messages(app) -> int:
    return len(app.chat_screen.query(UserTurn))


async def test_a_new_turn_appears_with_its_first_token_and_not_before(monkeypatch):
    monkeypatch.setattr(turn_driver, "PREFILL_HEADSTART_S", 30.0)
    engine = HeldReplyEngine(hold_after=0)  # the prompt is read; the first token waits
    app = make_app(engine)
    async with app.run_test() as pilot:
        await ready(pilot)
        await send(pilot, "hello there")
        await asyncio.sleep(0.3)  # Pilot's pause would wait for the held-back screen
        assert _user_messages(app) == 0 and not assistant_turns(app)  # held back
        engine.release.set()
        await wait_for(pilot, lambda: not app.core.busy, what="the reply")
        reply = app.core.conversation.messages[-1]
        await wait_for(pilot, lambda: assistant_turns(app), what="the turn")
        assert _user_messages(app) == 1
        turn = assistant_turns(app)[0]
        await wait_for(pilot, lambda: turn.answer.text == reply.content, what="all the answer")


async def test_a_prompt_that_takes_long_to_read_shows_its_turn_at_once_all_the_same():
    engine = HeldReplyEngine(hold_after=0)
    app = make_app(engine)
    async with app.run_test() as pilot:
        await ready(pilot)
        sent = time.monotonic()
        await send(pilot, "a long document to read")
        await wait_for(pilot, lambda: assistant_turns(app), what="the turn")
        shown_after = time.monotonic() - sent
        assert not engine.release.is_set()  # shown while the prompt was still being read
        assert _user_messages(app) == 1
        assert shown_after >= turn_driver.PREFILL_HEADSTART_S
        engine.release.set()


@pytest.mark.parametrize("headstart", [0.1, 30.0])
async def test_esc_while_the_prompt_is_read_stops_the_reply_at_once(monkeypatch, headstart):
    monkeypatch.setattr(turn_driver, "PREFILL_HEADSTART_S", headstart)
    app = make_app(SlowPromptEngine())
    async with app.run_test() as pilot:
        await ready(pilot)
        app.chat_screen.query_one("#prompt").text = "read this"
        await press_now(pilot, "enter")  # Pilot's own waits would wait for the turn
        await asyncio.sleep(0.1)
        started = time.monotonic()
        await press_now(pilot, "escape")
        await wait_for(pilot, lambda: not app.core.busy, what="the stop")
        assert time.monotonic() - started < PROMPT_S
        await wait_for(pilot, lambda: assistant_turns(app), what="the turn")
        turn = assistant_turns(app)[0]
        await wait_for(pilot, lambda: turn.has_class("-cancelled"), what="marked stopped")
        assert _user_messages(app) == 1
