"""`BlockingChat` plans each turn as the UI does, quantized preset included."""

from __future__ import annotations

import pytest

from qwen_tui.chat.sampling import QUANTIZED_PRESENCE_PENALTY
from qwen_tui.config import Settings
from qwen_tui.sessions.drive import BlockingChat
from tests.recording_engine import RecordingEngine


@pytest.mark.parametrize(
    ("flag", "penalty"),
    [(False, 0.0), (True, QUANTIZED_PRESENCE_PENALTY), (None, QUANTIZED_PRESENCE_PENALTY)],
)
def test_the_engine_s_quantized_flag_picks_the_presence_penalty(flag, penalty):
    engine = RecordingEngine()
    engine.quantized = flag
    chat = BlockingChat(engine, Settings(engine="demo"))
    chat.start()
    chat.send("Hi")
    engine.close()
    assert engine.requests[-1].sampling.presence_penalty == penalty


def test_an_engine_that_does_not_say_gets_the_quantized_preset():
    engine = RecordingEngine()
    assert not hasattr(engine, "quantized")
    chat = BlockingChat(engine, Settings(engine="demo"))
    chat.start()
    chat.send("Hi")
    engine.close()
    assert engine.requests[-1].sampling.presence_penalty == QUANTIZED_PRESENCE_PENALTY
