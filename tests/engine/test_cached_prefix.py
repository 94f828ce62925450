"""A prompt that starts as the last request's did (the next turn of a conversation) reads
only what follows the rows the cache holds, and replies as a runner reading all of it
from the start would; a history that differs is read again from where it differs."""

from __future__ import annotations

import threading

import pytest

from qwen_tui.chat.sampling import SamplingParams
from qwen_tui.engine.runner import decoder
from qwen_tui.engine.runner.cached_ids import CachedIds
from qwen_tui.engine.runner.extract import weights_from_model
from qwen_tui.engine.runner.generate import Runner
from tests.engine.test_runner import prompt_ids

GREEDY = SamplingParams(temperature=0, top_p=1, top_k=0, min_p=0, presence_penalty=0)


def new_runner(model, use_triton: bool) -> Runner:
    return Runner(weights_from_model(model.model), 256, use_triton=use_triton, use_graph=False)


def fresh_reply(model, prompt: list[int], n: int, use_triton: bool = False) -> list[int]:
    """The reply of a runner that reads `prompt` from its start, nothing cached."""
    return list(new_runner(model, use_triton).generate(prompt, GREEDY, n, set()))


def runner_reading_from(model, use_triton: bool) -> tuple[Runner, list[int]]:
    """A runner whose prefill calls record the position each starts from."""
    runner = new_runner(model, use_triton)
    reads: list[int] = []
    prefill = runner.decoder.prefill

    def recorded(ids, start, *args):
        reads.append(start)
        return prefill(ids, start, *args)

    runner.decoder.prefill = recorded  # type: ignore[method-assign]
    return runner, reads


@pytest.mark.parametrize("use_triton", [False, True], ids=["reference", "kernels"])
def test_the_next_turn_reads_only_its_new_ids_and_replies_as_a_fresh_read(loaded, use_triton):
    model = loaded("moe_sym_g32")
    first_prompt = prompt_ids(model)
    runner, reads = runner_reading_from(model, use_triton)
    first_reply = list(runner.generate(first_prompt, GREEDY, 6, set()))
    second_prompt = first_prompt + first_reply + [11, 12, 13]  # the reply kept, a new message
    second_reply = list(runner.generate(second_prompt, GREEDY, 6, set()))
    # every id but the first reply's last was in the cache: that one and the message are read
    assert reads == [0, len(first_prompt) + len(first_reply) - 1]
    assert fresh_reply(model, second_prompt, 6, use_triton) == second_reply


def test_a_history_that_differs_is_read_again_from_where_it_differs(loaded):
    model = loaded("dense_plain_tied")
    prompt = prompt_ids(model)
    runner, reads = runner_reading_from(model, use_triton=False)
    list(runner.generate(prompt + [5, 6, 7], GREEDY, 4, set()))
    edited = prompt + [5, 9, 7]  # a turn edited after its second id
    reply = list(runner.generate(edited, GREEDY, 4, set()))
    assert reads == [0, len(prompt) + 1]
    assert fresh_reply(model, edited, 4) == reply


def test_the_same_prompt_again_reads_its_last_id_for_the_first_tokens_logits(loaded):
    model = loaded("dense_plain_tied")
    prompt = prompt_ids(model)
    runner, reads = runner_reading_from(model, use_triton=False)
    first = list(runner.generate(prompt, GREEDY, 4, set()))
    assert list(runner.generate(prompt, GREEDY, 4, set())) == first
    assert reads == [0, len(prompt) - 1]


def test_a_prompt_cancelled_while_it_is_read_claims_only_the_rows_before_it(loaded, monkeypatch):
    monkeypatch.setattr(decoder, "PREFILL_CHUNK", 8)  # a cancel is seen between chunks
    model = loaded("dense_plain_tied")
    prompt = prompt_ids(model)
    runner, reads = runner_reading_from(model, use_triton=False)
    list(runner.generate(prompt, GREEDY, 4, set()))
    longer = prompt[:3] + list(range(20, 40))  # differs from the 4th id on
    cancelled = threading.Event()
    cancelled.set()
    assert list(runner.generate(longer, GREEDY, 4, set(), cancelled)) == []
    reply = list(runner.generate(longer, GREEDY, 4, set()))
    assert reads == [0, 3, 3]  # the cancelled read's first chunk is not claimed
    assert fresh_reply(model, longer, 4) == reply


def test_cached_ids_claim_a_replys_tokens_but_its_last():
    cached = CachedIds()
    cached.start(0)
    cached.prefilled([1, 2, 3])
    cached.generated([4, 5])
    cached.generated([6])
    assert len(cached) == 5  # 1..5: the row of 6 is written only when 6 is decoded
    assert cached.reusable([1, 2, 3, 4, 5, 6, 7]) == 5
    assert cached.reusable([1, 2, 9]) == 2
    assert cached.reusable([1, 2, 3]) == 2  # one id is always left to read
    long = list(range(2000))
    cached.start(0)
    cached.prefilled(long)
    assert cached.reusable(long[:1500] + [-1] + long[1501:]) == 1500  # past a whole block
    cached.forget()
    assert cached.reusable(long) == 0
