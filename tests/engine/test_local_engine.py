"""The local engine end to end on tiny checkpoints: streaming split by the think token ids,
multi-byte characters intact, stop ids, length, cancel within a step, queued requests,
prompt counting, the context limit and YaRN.

Most tests use a "chain" model whose weights make it write a chosen token sequence, so the
expected text is known exactly.
"""

from __future__ import annotations

import gc
import time

import pytest
import torch

from qwen_tui.chat.messages import FinishReason
from qwen_tui.chat.parts import Part, TextDelta
from qwen_tui.engine.events import (
    EngineError,
    EngineReady,
    ErrorKind,
    GenerationFinished,
    LoadProgress,
)
from qwen_tui.engine.loading import load_model
from tests.engine.tiny_models import EngineRun, chain_checkpoint, special_id, token_ids

END = "<|im_end|>"


def texts(events, part: Part) -> list[str]:
    return [e.text for e in events if isinstance(e, TextDelta) and e.part is part]


@pytest.fixture
def engine_on(tmp_path):
    runs = []

    def start(chain, *, cyclic=False, **settings) -> EngineRun:
        path = chain_checkpoint(
            tmp_path / f"chain{len(runs)}", chain, cyclic=cyclic, **settings.pop("config", {})
        )
        run = EngineRun(path, **settings)
        runs.append(run)
        return run

    yield start
    for run in runs:
        run.close()


def test_thinking_and_answer_stream_apart(engine_on):
    chain = [
        special_id("<think>"),
        *token_ids("Let me think"),
        special_id("</think>"),
        *token_ids("\n\nParis is the capital."),
        special_id(END),
    ]
    run = engine_on(chain)
    loading = []
    while not isinstance(event := run.events.get(timeout=60), EngineReady):
        loading.append(event)
    assert loading and all(isinstance(e, LoadProgress) and e.message for e in loading)
    reading = [e for e in loading if e.unit == "bytes"]
    assert reading[0].done == 0 and reading[0].message == "reading weights"
    assert [e.done for e in reading] == sorted(e.done for e in reading)
    assert reading[-1].done == reading[-1].total > 0
    assert event.load_seconds > 0 and event.device == "cpu"

    run.ask("What is the capital of France?", thinking=True, max_new_tokens=64)
    events = run.until_finished()
    finished = events[-1]
    assert "".join(texts(events, Part.THINKING)) == "Let me think"
    assert "".join(texts(events, Part.ANSWER)) == "Paris is the capital."
    assert (finished.thinking, finished.answer) == ("Let me think", "Paris is the capital.")
    assert finished.reason is FinishReason.STOP and finished.thinking_finished
    assert list(finished.token_ids) == chain
    messages = ({"role": "user", "content": "What is the capital of France?"},)
    assert finished.stats.prompt_tokens == run.engine.count_prompt_tokens(messages, True)
    assert finished.stats.generated_tokens == len(chain)
    assert finished.stats.time_to_first_token_s > 0 and finished.stats.decode_tokens_per_s > 0


def test_character_split_across_tokens_streams_intact(engine_on):
    pieces = token_ids("你😀")
    assert len(pieces) > 2  # each character really is split into byte tokens
    run = engine_on([*pieces, special_id(END)])
    run.wait_ready()
    run.ask("Say hi in Chinese", thinking=False)
    events = run.until_finished()
    answer = texts(events, Part.ANSWER)
    assert "".join(answer) == "你😀" == events[-1].answer
    assert all("\ufffd" not in text for text in answer)


def test_cancel_stops_within_a_step_with_the_partial_text(engine_on):
    run = engine_on(token_ids(" quick brown fox"), cyclic=True)
    run.wait_ready()
    run.ask("Go on forever", max_new_tokens=100_000)
    streamed = []
    while not streamed:
        event = run.events.get(timeout=30)
        if isinstance(event, TextDelta) and event.part is Part.ANSWER:
            streamed.append(event.text)
    asked = time.perf_counter()
    run.engine.cancel()
    events = run.until_finished(timeout=10)
    waited = time.perf_counter() - asked
    finished = events[-1]
    assert finished.reason is FinishReason.CANCELLED
    assert waited < 2.0
    assert 0 < finished.stats.generated_tokens < 100_000
    streamed += texts(events, Part.ANSWER)
    assert finished.answer == "".join(streamed)
    assert finished.answer.startswith(" qu")  # the partial text, whatever it reached


def test_max_new_tokens_ends_the_reply(engine_on):
    run = engine_on(token_ids(" quick brown fox"), cyclic=True)
    run.wait_ready()
    run.ask("Go on", max_new_tokens=7)
    finished = run.until_finished()[-1]
    assert finished.reason is FinishReason.LENGTH and len(finished.token_ids) == 7
    assert finished.answer == " quick brown fox quick"


def test_requests_are_served_one_after_another(engine_on):
    run = engine_on(token_ids(" quick brown fox"), cyclic=True)
    run.wait_ready()
    run.ask("first", max_new_tokens=12, request_id=1)
    run.ask("second", max_new_tokens=12, request_id=2)
    events = run.until_finished() + run.until_finished()
    answered = [e for e in events if isinstance(e, GenerationFinished | TextDelta)]
    order = [e.request_id for e in answered if getattr(e, "part", Part.ANSWER) is Part.ANSWER]
    assert order == sorted(order) and order[-1] == 2
    assert [e.reason for e in events if isinstance(e, GenerationFinished)] == [
        FinishReason.LENGTH,
        FinishReason.LENGTH,
    ]


def test_prompt_count_follows_the_conversation(engine_on):
    run = engine_on([special_id(END)])
    run.wait_ready()
    one = ({"role": "user", "content": "Hello"},)
    three = one + ({"role": "assistant", "content": "Hi!"}, {"role": "user", "content": "More"})
    count = run.engine.count_prompt_tokens
    assert count(three, True) > count(one, True)
    assert count(one, False) > count(one, True)  # the empty think block
    prompt = run.engine.render_prompt(one, False)
    assert prompt.text.endswith("<|im_start|>assistant\n<think>\n\n</think>\n\n")
    assert len(prompt.ids) == count(one, False)


def test_prompt_beyond_the_context_is_refused_and_replies_stop_at_its_end(engine_on):
    run = engine_on(
        token_ids(" quick brown fox"), cyclic=True, config={"max_position_embeddings": 40}
    )
    assert run.wait_ready().context_limit == 40
    run.ask("The quick brown fox jumps over the lazy dog. " * 4)
    events = run.until_finished()
    errors = [e for e in events if isinstance(e, EngineError)]
    assert errors and errors[0].kind is ErrorKind.CONTEXT_FULL
    assert "the context holds 40" in errors[0].message
    assert events[-1].reason is FinishReason.ERROR
    run.ask("Hi", max_new_tokens=1000, request_id=2)
    finished = run.until_finished()[-1]
    assert finished.reason is FinishReason.LENGTH
    assert finished.stats.prompt_tokens + finished.stats.generated_tokens == 40


def test_yarn_factor_raises_the_context_limit_and_rescales_rope(tiny):
    plain = load_model(str(tiny["dense_plain_tied"]), device="cpu", dtype="float32")
    yarn = load_model(str(tiny["dense_plain_tied"]), device="cpu", dtype="float32", yarn_factor=4.0)
    assert (plain.context_limit, yarn.context_limit) == (4096, 131_072)
    assert yarn.model.config.rope_parameters["rope_type"] == "yarn"
    ids = torch.arange(1, 40)[None]
    with torch.inference_mode():
        difference = yarn.model(input_ids=ids).logits - plain.model(input_ids=ids).logits
    assert difference.abs().max() > 1e-3


def test_the_engine_settles_the_heap_once_loaded_and_after_each_reply(engine_on):
    # A full collection mid-reply stalls the engine's thread (heap.py): the engine makes
    # them short by freezing what lives at the moments nobody waits.
    run = engine_on([*token_ids("Hi there"), special_id(END)])
    assert isinstance(run.wait_ready(), EngineReady)
    after_load = gc.get_freeze_count()
    assert after_load > 0
    gc.unfreeze()
    run.ask("Hello")
    run.until_finished()
    deadline = time.monotonic() + 10
    while gc.get_freeze_count() == 0 and time.monotonic() < deadline:
        time.sleep(0.01)  # the settle follows the reply's last event on the engine thread
    assert gc.get_freeze_count() > 0
