"""`BlockingChat`, the front-end of `run` and `replay --print`: turns planned as the UI
plans them, the core's budget verdict, and a stop that keeps the reply."""

from __future__ import annotations

import math

import pytest

from qwen_tui.chat.budget import BudgetVerdict
from qwen_tui.chat.messages import FinishReason
from qwen_tui.chat.model_card import QUANTIZED_PRESENCE_PENALTY
from qwen_tui.config import Settings
from qwen_tui.conversation.blocking import BlockingChat, TurnNotSent
from qwen_tui.conversation.core import ConversationCore
from qwen_tui.conversation.updates import BudgetChoice, TextStreamed
from tests.recording_engine import RecordingEngine


def never(question):
    return None


def shorter(question):
    return BudgetChoice.SHORTER


def blocking(engine, decide=never, **settings) -> BlockingChat:
    core = ConversationCore(engine, Settings(engine="demo", **settings))
    chat = BlockingChat(core, decide=decide)
    chat.start()
    return chat


@pytest.mark.parametrize(
    ("flag", "penalty"),
    [(False, 0.0), (True, QUANTIZED_PRESENCE_PENALTY), (None, QUANTIZED_PRESENCE_PENALTY)],
)
def test_the_engine_s_quantized_flag_picks_the_presence_penalty(flag, penalty):
    engine = RecordingEngine()
    engine.quantized = flag
    blocking(engine).send("Hi")
    engine.close()
    assert engine.requests[-1].sampling.presence_penalty == penalty


def test_a_turn_that_leaves_no_room_is_refused_before_anything_reaches_the_engine():
    engine = RecordingEngine(context_limit=2_000)
    chat = blocking(engine)
    with pytest.raises(TurnNotSent) as refused:
        chat.send("word " * 1_500)
    engine.close()
    assert refused.value.question.budget.verdict is BudgetVerdict.TOO_LONG
    assert engine.requests == [] and chat.core.conversation.messages == []


def test_a_turn_that_fits_only_shortened_runs_with_the_room_left():
    engine = RecordingEngine(context_limit=4_000)
    chat = blocking(engine, shorter, max_new_tokens=3_000)
    result = chat.send("word " * 1_500)
    engine.close()
    assert engine.requests[-1].max_new_tokens < 3_000
    assert result.message.finish_reason in (FinishReason.STOP, FinishReason.LENGTH)


class StopAfterText:
    """A `show` that interrupts the turn after the first streamed piece, as Ctrl+C does."""

    def __init__(self, error: type[BaseException]) -> None:
        self.error = error

    def __call__(self, update) -> None:
        if isinstance(update, TextStreamed):
            raise self.error()


@pytest.mark.parametrize("error", [KeyboardInterrupt, BrokenPipeError])
def test_an_interrupted_turn_keeps_its_reply_and_waits_for_the_engine_to_stop(error):
    engine = RecordingEngine(tokens_per_s=200)
    core = ConversationCore(engine, Settings(engine="demo"))
    chat = BlockingChat(core, decide=never, show=StopAfterText(error))
    chat.start()
    with pytest.raises(error):
        chat.send("How do I reverse a string?")
    reply = core.conversation.messages[-1]
    assert reply.finish_reason is FinishReason.CANCELLED and reply.thinking
    assert core.in_engine is None  # the engine has stopped too
    engine.close()


def test_replies_build_a_conversation_whose_history_carries_no_thinking():
    engine = RecordingEngine(tokens_per_s=math.inf)
    chat = blocking(engine)
    first = chat.send("How do I reverse a string?").message
    chat.send("And a list?")
    engine.close()
    history = engine.requests[-1].messages
    assert history[1] == {"role": "assistant", "content": first.content}
    assert first.thinking and all(first.thinking not in m["content"] for m in history)
