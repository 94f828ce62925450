"""The next token from the logits in one launch: presence penalty, top-k and the draw.

`torch.topk` over the 151,936 logits is a radix select of about a dozen kernels, a few
percent of a decode step on an H200 (`runner_speed.py --profile`). Here each program ranks
one slice of the vocabulary: it subtracts the presence penalty from the tokens already
seen, as `DeviceSampler` does, and keeps its slice's k best. The last program to finish
(an atomic counter, acquire/release, as in `moe_route.py`) ranks everyone's k best, which
holds the k best overall, and draws from them as `sample_top_k.py` does.
"""

from __future__ import annotations

import torch
import triton
import triton.language as tl

from qwen_tui.engine.kernels.sample_top_k import draw_from_top_k

SLICE = 2048  # vocabulary entries a program ranks: 75 programs for Qwen3's vocabulary


@triton.jit
def _k_best(values, offs, K, K_PAD: tl.constexpr):
    """The k largest of `values` in descending order ([K_PAD], -inf past k) and their
    places (`offs` is their arange): k rounds of taking the largest left."""
    rank = tl.arange(0, K_PAD)
    best = tl.full((K_PAD,), float("-inf"), tl.float32)
    where = tl.zeros((K_PAD,), tl.int32)
    for i in range(K):
        top, at = tl.max(values, axis=0, return_indices=True)
        best = tl.where(rank == i, top, best)
        where = tl.where(rank == i, at, where)
        values = tl.where(offs == at, float("-inf"), values)
    return best, where


@triton.jit
def _top_k_draw_kernel(
    logits_ptr,
    seen_ptr,
    penalty_ptr,
    best_ptr,
    best_ids_ptr,
    counter_ptr,
    temperature_ptr,
    top_p_ptr,
    min_p_ptr,
    seed_ptr,
    draws_ptr,
    token_ptr,
    V,
    K,
    SLICE: tl.constexpr,
    K_PAD: tl.constexpr,
    ALL_PAD: tl.constexpr,
):
    pid = tl.program_id(0)
    offs = tl.arange(0, SLICE)
    ids = pid * SLICE + offs
    mask = ids < V
    logits = tl.load(logits_ptr + ids, mask=mask, other=float("-inf")).to(tl.float32)
    seen = tl.load(seen_ptr + ids, mask=mask, other=0.0)
    best, at = _k_best(logits - tl.load(penalty_ptr) * seen, offs, K, K_PAD)
    rank = tl.arange(0, K_PAD)
    tl.store(best_ptr + pid * K + rank, best, mask=rank < K)  # packed: the last ranks fewer
    tl.store(best_ids_ptr + pid * K + rank, pid * SLICE + at, mask=rank < K)
    tl.debug_barrier()  # every thread's stores are made before the count says so
    # acq_rel: the others' k best are visible to the program that sees the last count.
    if tl.atomic_add(counter_ptr, 1) == tl.num_programs(0) - 1:
        everyone = tl.arange(0, ALL_PAD)
        present = everyone < tl.num_programs(0) * K
        values = tl.load(
            best_ptr + everyone, mask=present, other=float("-inf"), cache_modifier=".cg"
        )
        values, chosen = _k_best(values, everyone, K, K_PAD)
        chosen_ids = tl.load(best_ids_ptr + chosen, cache_modifier=".cg")
        draw_from_top_k(
            values,
            chosen_ids,
            rank,
            rank < K,
            temperature_ptr,
            top_p_ptr,
            min_p_ptr,
            seed_ptr,
            draws_ptr,
            token_ptr,
            seen_ptr,
            K_PAD,
        )
        tl.store(counter_ptr, 0)  # ready for the next token


class TopKDraw:
    """Workspace of the one-launch draw for a vocabulary and a k, allocated once so a CUDA
    graph can replay it: each program's k best and the programs' counter."""

    def __init__(self, vocab_size: int, k: int, device: torch.device) -> None:
        self.vocab_size, self.k = vocab_size, k
        self.k_pad = triton.next_power_of_2(k)
        self.programs = triton.cdiv(vocab_size, SLICE)
        self.best = torch.empty(self.programs * k, device=device, dtype=torch.float32)
        self.best_ids = torch.zeros(self.programs * k, device=device, dtype=torch.int32)
        self.counter = torch.zeros(1, device=device, dtype=torch.int32)

    def __call__(
        self,
        logits: torch.Tensor,
        seen: torch.Tensor,
        penalty: torch.Tensor,
        sampling: tuple[torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor],
        token: torch.Tensor,
    ) -> None:
        """logits [V] (any float dtype), seen [V] fp32 -> token [1] int64; `sampling` is
        (temperature, top_p, min_p, seed, draws) as `sample_top_k` takes them."""
        _top_k_draw_kernel[(self.programs,)](
            logits,
            seen,
            penalty,
            self.best,
            self.best_ids,
            self.counter,
            *sampling,
            token,
            self.vocab_size,
            self.k,
            SLICE=SLICE,
            K_PAD=self.k_pad,
            ALL_PAD=triton.next_power_of_2(self.programs * self.k),
            num_warps=4,
        )
