"""The thinking budget on the local engine: at N thinking tokens the stop-thinking text is
forced in, the model reads it and answers; a budget the thinking stays under changes nothing.

The chain model writes a fixed reply whose next token depends only on the last one, so
after the forced text (which ends in ".\\n\\n") it goes on with what follows ".\\n\\n" in its
chain: the answer. Both token sources run it: transformers' forward, and the fast runner
(Triton's interpreter on the CPU), which resumes on its cache.
"""

from __future__ import annotations

import pytest

from qwen_tui.chat.messages import FinishReason
from qwen_tui.chat.parts import Part, TextDelta
from qwen_tui.engine import local
from qwen_tui.engine.base import GenerationRequest
from qwen_tui.engine.thinking_budget import STOP_THINKING_TEXT
from tests.engine.test_local_fast_path import interpreter_runner
from tests.engine.tiny_models import (
    GREEDY,
    EngineRun,
    build_tokenizer,
    chain_checkpoint,
    special_id,
    token_ids,
)
from tests.server.serve_process import ServeProcess

FORCED = token_ids(STOP_THINKING_TEXT)
ANSWER = token_ids("Paris.")
THINK_START, THINK_END = special_id("<think>"), special_id("</think>")
END = special_id("<|im_end|>")
THOUGHTS = [i for i in range(40, 400) if i not in {*FORCED, *ANSWER, THINK_START, THINK_END}][:10]
CHAIN = [THINK_START, *THOUGHTS, THINK_END, FORCED[-1], *ANSWER, END]


def decode(ids: list[int]) -> str:
    return build_tokenizer().decode(ids)


@pytest.fixture(params=["transformers", "fast runner"])
def run(request, tmp_path, monkeypatch):
    if request.param == "fast runner":
        monkeypatch.setattr(local, "fast_path_blockers", lambda loaded: [])
        monkeypatch.setattr(local, "build_runner", interpreter_runner)
    engine_run = EngineRun(chain_checkpoint(tmp_path / "chain", CHAIN))
    engine_run.wait_ready()
    yield engine_run
    engine_run.close()


def reply(run: EngineRun, budget: int | None) -> list:
    messages = ({"role": "user", "content": "What is the capital of France?"},)
    run.engine.submit(GenerationRequest(messages, True, GREEDY, 128, 1, thinking_budget=budget))
    return run.until_finished()


def streamed(events: list, part: Part) -> str:
    return "".join(e.text for e in events if isinstance(e, TextDelta) and e.part is part)


def test_at_the_budget_the_stop_text_is_forced_and_the_model_answers(run):
    events = reply(run, budget=4)
    finished = events[-1]
    stop_words = STOP_THINKING_TEXT.split("\n</think>")[0]
    assert finished.thinking == decode(THOUGHTS[:4]) + stop_words
    assert finished.answer == "Paris."  # the forced ".\n\n" after </think> is not shown
    assert streamed(events, Part.THINKING).strip() == finished.thinking
    assert streamed(events, Part.ANSWER) == "Paris."
    assert finished.thinking_budget_reached and finished.reason is FinishReason.STOP
    assert list(finished.token_ids) == [THINK_START, *THOUGHTS[:4], *FORCED, *ANSWER, END]
    assert finished.stats.generated_tokens == len(finished.token_ids)


def test_thinking_under_the_budget_is_left_alone(run):
    finished = reply(run, budget=len(THOUGHTS) + 1)[-1]
    assert list(finished.token_ids) == CHAIN
    assert finished.thinking == decode(THOUGHTS) and not finished.thinking_budget_reached


def test_the_length_limit_still_holds_after_the_forced_text(run):
    messages = ({"role": "user", "content": "Hi"},)
    run.engine.submit(GenerationRequest(messages, True, GREEDY, 30, 1, thinking_budget=3))
    finished = run.until_finished()[-1]
    assert finished.reason is FinishReason.LENGTH and len(finished.token_ids) == 30
    assert finished.thinking_budget_reached


def test_serve_takes_the_budget_as_a_request_field(tmp_path):
    model = str(chain_checkpoint(tmp_path / "chain", CHAIN))
    server = ServeProcess(tmp_path, "--model", model, "--device", "cpu", "--dtype", "float32")
    try:
        reply = server.client().chat.completions.create(
            model=model,
            messages=[{"role": "user", "content": "What is the capital of France?"}],
            temperature=0,
            presence_penalty=0,
            max_tokens=128,
            extra_body={"thinking_budget": 4},
        )
    finally:
        server.stop()
    message = reply.choices[0].message
    stop_words = STOP_THINKING_TEXT.split("\n</think>")[0]
    assert message.reasoning_content == decode(THOUGHTS[:4]) + stop_words
    assert message.content == "Paris." and reply.choices[0].finish_reason == "stop"
    assert reply.usage.completion_tokens == 1 + 4 + len(FORCED) + len(ANSWER) + 1
