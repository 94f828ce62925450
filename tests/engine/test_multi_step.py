"""Several decode steps per replay give exactly the tokens of one step per replay: under a
fixed seed with every sampling knob in use, at a stop id, at the length limit and at the
end of the cache, on the reference ops and on the Triton kernels (in their interpreter)."""

from __future__ import annotations

import threading

from qwen_tui.chat.sampling import SamplingParams
from qwen_tui.engine.runner import sampler
from qwen_tui.engine.runner.extract import weights_from_model
from qwen_tui.engine.runner.generate import Runner
from tests.engine.test_runner import prompt_ids

SAMPLED = SamplingParams(temperature=0.6, top_p=0.95, top_k=20, min_p=0.05, presence_penalty=1.5)


def reply(model, steps: int, n: int, stops=frozenset(), *, max_len=256, use_triton=False):
    weights = weights_from_model(model.model)
    runner = Runner(
        weights, max_len, use_triton=use_triton, use_graph=False, steps_per_replay=steps
    )
    prompt = prompt_ids(model)
    return list(runner.generate(prompt, SAMPLED, n, stop_ids=set(stops), seed=1234))


def test_replays_of_several_steps_sample_what_single_steps_sample(loaded):
    model = loaded("moe_sym_g32")
    single = reply(model, 1, 11)
    assert len(single) == 11 and len(set(single)) > 3  # a sampled reply, not one token
    for steps in (2, 4, 8):
        assert reply(model, steps, 11) == single
        stop = single[5]
        assert reply(model, steps, 11, {stop}) == single[: single.index(stop) + 1]


def test_a_replay_that_would_pass_the_cache_end_stops_at_it(loaded):
    model = loaded("dense_plain_tied")
    room = len(prompt_ids(model)) + 6
    assert len(reply(model, 4, 100, max_len=room)) == 6
    assert reply(model, 4, 100, max_len=room) == reply(model, 1, 100, max_len=room)


def test_the_kernel_path_with_the_fused_draw_repeats_single_steps(loaded, monkeypatch):
    monkeypatch.setattr(sampler, "FUSED", True)  # the Philox draw keyed by a device counter
    model = loaded("dense_plain_tied")
    single = reply(model, 1, 6, use_triton=True)
    assert reply(model, 4, 6, use_triton=True) == single


def test_a_cancel_between_replays_stops_the_reply(loaded):
    model = loaded("moe_sym_g32")
    runner = Runner(
        weights_from_model(model.model),
        256,
        use_triton=False,
        use_graph=False,
        steps_per_replay=4,
    )
    cancel = threading.Event()
    blocks = []
    for block in runner.generate_blocks(prompt_ids(model), SAMPLED, 50, set(), cancel):
        blocks.append(block)
        if len(blocks) == 2:
            cancel.set()
    assert [len(b) for b in blocks] == [1, 4]  # the first token alone, then one replay
