"""Continuing a cut-off reply on the local engine: the model reads the prompt, then the
partial reply with its turn left open (the assistant prefill), and writes what follows;
the finished reply holds the whole of it. The chain model (see test_thinking_budget.py)
writes its fixed reply onward from whatever token the prefill ends with."""

from __future__ import annotations

import pytest

from qwen_tui.chat.continuation import PartialReply
from qwen_tui.chat.messages import FinishReason
from qwen_tui.chat.parts import Part
from qwen_tui.engine.base import GenerationRequest
from tests.engine.test_thinking_budget import ANSWER, CHAIN, END, FORCED, THOUGHTS, decode, streamed
from tests.engine.tiny_models import GREEDY, EngineRun, chain_checkpoint

QUESTION = ({"role": "user", "content": "What is the capital of France?"},)


@pytest.fixture
def run(tmp_path):
    engine_run = EngineRun(chain_checkpoint(tmp_path / "chain", CHAIN))
    engine_run.wait_ready()
    yield engine_run
    engine_run.close()


def go_on(run: EngineRun, partial: PartialReply) -> list:
    run.engine.submit(GenerationRequest(QUESTION, True, GREEDY, 64, 1, continues=partial))
    return run.until_finished()


def test_a_reply_cut_in_its_answer_goes_on_from_the_partial_answer(run):
    assert run.engine.can_continue
    events = go_on(run, PartialReply(decode(THOUGHTS), decode(ANSWER[:2]), True))
    finished = events[-1]
    assert (finished.thinking, finished.answer) == (decode(THOUGHTS), "Paris.")
    assert streamed(events, Part.ANSWER) == decode(ANSWER[2:])  # only the new part streams
    assert streamed(events, Part.THINKING) == ""
    assert list(finished.token_ids) == [*ANSWER[2:], END]
    assert finished.reason is FinishReason.STOP
    fresh = run.engine.count_prompt_tokens(QUESTION, True)
    assert finished.stats.prompt_tokens > fresh  # the prefill is read, not written again


def test_a_reply_cut_in_its_thinking_thinks_on_then_answers(run):
    events = go_on(run, PartialReply(decode(THOUGHTS[:3]), "", False))
    finished = events[-1]
    own_answer = decode([FORCED[-1], *ANSWER])  # what the chain writes after </think>
    assert (finished.thinking, finished.answer) == (decode(THOUGHTS), own_answer)
    assert streamed(events, Part.THINKING) == decode(THOUGHTS[3:])
    assert finished.thinking_finished
