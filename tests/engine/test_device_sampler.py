"""The runner's GPU sampler (run here on the CPU): greedy at temperature 0, the presence
penalty, top-k / top-p / min-p cuts, seeds that repeat, draws that follow the
probabilities; as torch ops, as torch.topk and the fused draw, and as one Triton launch
for the penalty, top-k and draw (the fused ones in Triton's interpreter)."""

from __future__ import annotations

import pytest
import torch

from qwen_tui.chat.sampling import SamplingParams
from qwen_tui.engine.runner import sampler as sampler_module
from qwen_tui.engine.runner.sampler import DeviceSampler

CPU = torch.device("cpu")
LOGITS = torch.log(torch.tensor([0.05, 0.4, 0.3, 0.15, 0.06, 0.04]))


@pytest.fixture(
    params=[(False, False), (True, False), (True, True)],
    ids=["torch_ops", "fused_draw", "one_launch"],
)
def fused(request, monkeypatch):
    draw, top_k = request.param
    monkeypatch.setattr(sampler_module, "FUSED", draw)
    monkeypatch.setattr(sampler_module, "FUSED_TOP_K", top_k)
    return request.param


def sampler(top_k=0, seed=0, **changes) -> DeviceSampler:
    base = {"temperature": 1.0, "top_p": 1.0, "top_k": top_k, "min_p": 0.0}
    built = DeviceSampler(len(LOGITS), CPU, top_k)
    built.configure(SamplingParams(**(base | {"presence_penalty": 0.0} | changes)), seed)
    return built


def draws(built: DeviceSampler, n: int, logits=LOGITS) -> list[int]:
    return [int(built.sample(logits)) for _ in range(n)]


def test_temperature_zero_takes_the_best_and_the_penalty_steers_away(fused):
    assert draws(sampler(temperature=0), 3) == [1, 1, 1]
    # 0.4 and 0.3 are 0.29 apart in log space: a penalty of 0.5 on what was seen makes them
    # alternate (a presence penalty does not grow with repeats).
    assert draws(sampler(temperature=0, presence_penalty=0.5), 3) == [1, 2, 1]


@pytest.mark.parametrize(
    ("cut", "allowed"),
    [
        ({"top_k": 2}, {1, 2}),
        ({"top_p": 0.65}, {1, 2}),  # 0.4 + 0.3 reach it: the smallest head that does
        ({"min_p": 0.2}, {1, 2, 3}),  # kept: at least 0.2 * 0.4 = 0.08
    ],
)
def test_cuts_leave_only_the_allowed_tokens(fused, cut, allowed):
    seen = set(draws(sampler(**cut), 100))
    assert seen == allowed


def test_seeds_repeat_and_draws_follow_the_probabilities(fused):
    assert draws(sampler(seed=7), 20) == draws(sampler(seed=7), 20)
    assert draws(sampler(seed=7), 20) != draws(sampler(seed=8), 20)
    counts = torch.bincount(torch.tensor(draws(sampler(seed=1), 500)), minlength=len(LOGITS))
    expected = LOGITS.exp() * 500
    assert torch.all((counts - expected).abs() < 5 * expected.sqrt() + 5)


def test_the_sampled_token_is_written_where_the_graph_reads_it(fused):
    built, out = sampler(temperature=0), torch.zeros(1, dtype=torch.int64)
    assert built.sample(LOGITS, out=out) is out and out.item() == 1
    assert built.seen[1] == 1 and built.seen.sum() == 1


@pytest.mark.parametrize("top_k", [1, 20, 64])
def test_one_launch_draws_the_tokens_torch_topk_and_the_fused_draw_do(top_k, monkeypatch):
    """The vocabulary split over programs (Qwen3's is 75 slices): the k best gathered from
    every slice, the last one part-filled, with the penalty on what was drawn before.
    (float32 logits: among equal values the order of the k best, and so the draw, is
    torch.topk's own choice.)"""
    vocab = 2 * 2048 + 300
    logits = torch.randn(vocab, generator=torch.Generator().manual_seed(3)) * 3
    logits[-40:] += 6  # many of the best in the last, part-filled slice
    params = SamplingParams(
        temperature=0.6, top_p=0.95, top_k=top_k, min_p=0.0, presence_penalty=1.5
    )
    tokens = {}
    for one_launch in (False, True):
        monkeypatch.setattr(sampler_module, "FUSED_TOP_K", one_launch)
        built = DeviceSampler(vocab, CPU, top_k)
        built.configure(params, seed=11)
        tokens[one_launch] = [int(built.sample(logits)) for _ in range(30)]
    assert tokens[True] == tokens[False]
    assert len(set(tokens[True])) > (1 if top_k > 1 else 0)
