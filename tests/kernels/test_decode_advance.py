"""The end of a decode step in a multi-token replay (Triton, in its interpreter) does what
its torch reference does: take the sampled token, or, once a stop id or the length limit
ended the reply, leave the token and position alone and hand the host -1."""

from __future__ import annotations

import pytest
import torch

from qwen_tui.engine.kernels.decode_advance import StepState, advance

CPU = torch.device("cpu")
STOPS = {7, 9}


def state_at(pos: int, last_pos: int, token: int = 3) -> StepState:
    state = StepState.allocate(4, CPU)
    state.token.fill_(token)
    state.set_stops(STOPS)
    state.arm(pos, last_pos)
    return state


def run(state: StepState, sampled: list[int], use_triton: bool) -> tuple:
    for index, token in enumerate(sampled):
        advance(state, torch.tensor([token]), index, use_triton)
    return state.out.tolist(), int(state.token), int(state.pos), int(state.done)


@pytest.mark.parametrize("use_triton", [False, True], ids=["torch", "triton"])
@pytest.mark.parametrize(
    ("pos", "last_pos", "sampled", "expected"),
    [
        (10, 100, [4, 5, 6, 8], ([4, 5, 6, 8], 8, 14, 0)),  # runs on
        (10, 100, [4, 9, 6, 8], ([4, 9, -1, -1], 9, 12, 1)),  # a stop id ends it
        (10, 12, [4, 5, 6, 8], ([4, 5, -1, -1], 5, 12, 1)),  # so does the length limit
    ],
)
def test_a_step_takes_the_token_until_the_reply_ends(use_triton, pos, last_pos, sampled, expected):
    assert run(state_at(pos, last_pos), sampled, use_triton) == expected


@pytest.mark.parametrize("use_triton", [False, True], ids=["torch", "triton"])
def test_a_reply_whose_first_token_ends_it_moves_no_further(use_triton):
    state = state_at(10, 100, token=7)  # the prefill sampled a stop id
    assert int(state.done) == 1
    assert run(state, [4, 5, 6, 8], use_triton) == ([-1] * 4, 7, 10, 1)
    budget_of_one = state_at(10, 10)
    assert run(budget_of_one, [4, 5, 6, 8], use_triton) == ([-1] * 4, 3, 10, 1)
