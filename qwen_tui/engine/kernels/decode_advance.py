"""The end of each decode step in a multi-token replay: take the sampled token, or stop.

One CUDA graph replays several decode steps, so whether the reply has ended must be known
on the device: a stop id sampled, or the position the length limit allows reached. The
steps after that do no harm: the token and the position stay as they were (the step runs
again on the same row of the cache, writing what is already there), and the token written
for the host is -1, so the host sees where the reply stopped. One launch per step; the torch
ops below are its reference and the path of the reference runner.

State, all device tensors: `token` [1] int64, the last token, fed to the next step; `pos`
[1] int64, its position; `done` [1] int32, 1 once the reply ended; `last_pos` [1] int64,
the position of the last token the length limit allows; `stops` [S] int64, the stop ids
(padding -1); `out` [K] int64, the tokens of this replay for the host.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import torch
import triton
import triton.language as tl

MAX_STOPS = 16  # stop ids the device checks (Qwen3 has two or three); the host checks all


@triton.jit(do_not_specialize=["index"])  # one binary for every step of a replay
def _advance_kernel(
    sampled_ptr,
    token_ptr,
    pos_ptr,
    done_ptr,
    last_pos_ptr,
    stops_ptr,
    out_ptr,
    index,
    STOPS: tl.constexpr,
):
    sampled = tl.load(sampled_ptr)
    running = tl.load(done_ptr) == 0
    pos = tl.load(pos_ptr)
    hit = tl.max((tl.load(stops_ptr + tl.arange(0, STOPS)) == sampled).to(tl.int32), axis=0)
    new_pos = tl.where(running, pos + 1, pos)
    tl.store(token_ptr, tl.where(running, sampled, tl.load(token_ptr)))
    tl.store(out_ptr + index, tl.where(running, sampled, -1))
    tl.store(pos_ptr, new_pos)
    ended = running & ((hit > 0) | (new_pos >= tl.load(last_pos_ptr)))
    tl.store(done_ptr, tl.where(ended, 1, 1 - running.to(tl.int32)))


@dataclass
class StepState:
    """The device tensors a multi-token replay advances (see the module docstring)."""

    token: torch.Tensor
    pos: torch.Tensor
    done: torch.Tensor
    last_pos: torch.Tensor
    stops: torch.Tensor
    out: torch.Tensor

    @classmethod
    def allocate(cls, steps: int, device: torch.device) -> StepState:
        i64: dict[str, Any] = dict(device=device, dtype=torch.int64)
        return cls(
            token=torch.zeros(1, **i64),
            pos=torch.zeros(1, **i64),
            done=torch.zeros(1, device=device, dtype=torch.int32),
            last_pos=torch.zeros(1, **i64),
            stops=torch.full((MAX_STOPS,), -1, **i64),
            out=torch.full((steps,), -1, **i64),
        )

    def set_stops(self, stop_ids: set[int]) -> None:
        """The stop ids of the next reply (set before its prefill is queued: a copy from
        the host waits for the work queued before it)."""
        stops = sorted(stop_ids)[:MAX_STOPS]
        self.stops.fill_(-1)
        if stops:
            self.stops[: len(stops)] = torch.tensor(stops, dtype=torch.int64)

    def arm(self, pos: int, last_pos: int) -> None:
        """Start a reply whose first token is in `token` at `pos`; it may run up to
        `last_pos`. The first token may already end it, which is checked here on the
        device, so the host can queue the next replay before it reads that token."""
        self.pos.fill_(pos)
        self.last_pos.fill_(last_pos)
        ended = torch.isin(self.token, self.stops) | (self.pos >= self.last_pos)
        self.done.copy_(ended.to(torch.int32))

    def snapshot(self) -> tuple[torch.Tensor, ...]:
        return tuple(t.clone() for t in (self.token, self.pos, self.done))

    def restore(self, saved: tuple[torch.Tensor, ...]) -> None:
        for target, value in zip((self.token, self.pos, self.done), saved, strict=True):
            target.copy_(value)


def advance(state: StepState, sampled: torch.Tensor, index: int, use_triton: bool) -> None:
    """After step `index` of a replay: out[index] = sampled and the state moves on, unless
    the reply had ended (then out[index] = -1 and nothing moves); `done` is set when this
    token ends it."""
    if use_triton:
        _advance_kernel[(1,)](
            sampled,
            state.token,
            state.pos,
            state.done,
            state.last_pos,
            state.stops,
            state.out,
            index,
            STOPS=MAX_STOPS,
            num_warps=1,
        )
        return
    advance_reference(state, sampled, index)


def advance_reference(state: StepState, sampled: torch.Tensor, index: int) -> None:
    """The same as torch ops (a few launches)."""
    running = state.done == 0
    state.out[index : index + 1] = torch.where(running, sampled, -1)
    state.token.copy_(torch.where(running, sampled, state.token))
    state.pos.add_(running.to(torch.int64))
    ended = running & (torch.isin(sampled, state.stops) | (state.pos >= state.last_pos))
    state.done.copy_(torch.where(ended, 1, state.done))
