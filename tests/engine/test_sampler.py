"""Sampling: greedy at temperature 0, the presence penalty, top-k, top-p and min-p."""

from __future__ import annotations

import torch

from qwen_tui.chat.sampling import SamplingParams
from qwen_tui.engine.sampler import Sampler, token_probabilities

CPU = torch.device("cpu")


def params(**changes) -> SamplingParams:
    base = {"temperature": 1.0, "top_p": 1.0, "top_k": 0, "min_p": 0.0, "presence_penalty": 0.0}
    return SamplingParams(**(base | changes))


def test_temperature_zero_is_greedy():
    logits = torch.tensor([0.1, 2.0, 1.9, -1.0])
    sampler = Sampler(params(temperature=0), 4, CPU, seed=0)
    assert [sampler(logits) for _ in range(5)] == [1] * 5


def test_presence_penalty_steers_away_from_tokens_already_generated():
    logits = torch.tensor([0.1, 2.0, 1.9, -1.0])
    sampler = Sampler(params(temperature=0, presence_penalty=0.5), 4, CPU, seed=0)
    # 2.0 -> 1.5 once token 1 appeared; a presence penalty, unlike a frequency one, does
    # not grow, so token 1 (1.5) wins again over token 2 (1.9 -> 1.4).
    assert [sampler(logits) for _ in range(3)] == [1, 2, 1]


def test_top_k_keeps_only_the_k_best():
    probs = token_probabilities(torch.tensor([3.0, 2.0, 1.0, 0.0]), params(top_k=2))
    assert probs[2:].sum() == 0 and torch.isclose(probs.sum(), torch.tensor(1.0))
    assert probs[0] > probs[1] > 0


def test_top_p_keeps_the_smallest_head_reaching_p():
    logits = torch.log(torch.tensor([0.5, 0.3, 0.15, 0.05]))
    assert (token_probabilities(logits, params(top_p=0.7)) > 0).tolist() == [
        True,
        True,
        False,
        False,
    ]
    assert (token_probabilities(logits, params(top_p=0.1)) > 0).tolist() == [
        True,
        False,
        False,
        False,
    ]


def test_min_p_drops_tokens_far_below_the_best():
    logits = torch.log(torch.tensor([0.6, 0.3, 0.08, 0.02]))
    kept = token_probabilities(logits, params(min_p=0.1)) > 0  # threshold 0.06
    assert kept.tolist() == [True, True, True, False]


def test_lower_temperature_sharpens_and_seeds_repeat():
    logits = torch.tensor([1.0, 0.5, 0.0])
    assert (
        token_probabilities(logits, params(temperature=0.5))[0]
        > token_probabilities(logits, params(temperature=1.0))[0]
    )
    first, second = (Sampler(params(), 3, CPU, seed=7) for _ in range(2))
    assert [first(logits) for _ in range(20)] == [second(logits) for _ in range(20)]
    many = Sampler(params(), 3, CPU, seed=1)
    counts = torch.bincount(torch.tensor([many(logits) for _ in range(600)]), minlength=3)
    expected = torch.softmax(logits, -1) * 600
    assert torch.all((counts - expected).abs() < 60)


def test_the_smallest_accepted_values_still_give_a_distribution():
    from qwen_tui.chat.sampling import MIN_TEMPERATURE, MIN_TOP_P

    logits = torch.tensor([60.0, 59.0, -60.0, 0.0])
    probs = token_probabilities(logits, params(temperature=MIN_TEMPERATURE, top_p=MIN_TOP_P))
    assert torch.isfinite(probs).all() and probs.tolist() == [1.0, 0.0, 0.0, 0.0]
    sampler = Sampler(params(temperature=MIN_TEMPERATURE, top_p=MIN_TOP_P), 4, CPU, seed=0)
    assert sampler(logits) == 0
