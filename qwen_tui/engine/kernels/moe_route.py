"""Routing a token to its experts at decode: router logits, softmax, top-k, in one launch.

`router_route` computes the router's logits (a 128 x 2048 GEMV) across many programs, each
taking a few experts, and the last program to finish picks the top-k: it sees every
program's logits through an atomic counter (acquire/release), so no second launch is
needed. The same launch also clears the gate/up accumulator the experts add into next.
`route_topk` is the top-k alone, for routers the fused launch does not take (int4 routers).
"""

from __future__ import annotations

import torch
import triton
import triton.language as tl

TARGET_PROGRAMS = 64  # enough programs that the router's 0.5 MB is one wave of loads
WARPS = 1  # the top-k's reductions stay inside one warp: shuffles, no barriers


@triton.jit
def _pick_top_k(
    logits,
    offs,
    ids_ptr,
    weights_ptr,
    E_PAD: tl.constexpr,
    TOP_K: tl.constexpr,
    TOP_K_PAD: tl.constexpr,
    NORMALIZE: tl.constexpr,
):
    """Softmax over one row of logits (fp32, -inf padded), then the top-k, lowest index first
    on ties, optionally renormalised; written to ids_ptr / weights_ptr."""
    probs = tl.exp(logits - tl.max(logits, axis=0))
    probs = probs / tl.sum(probs, axis=0)
    # One reduction per pick: a probability's bits (>= 0, so they order as integers) above
    # its reversed index, so the max is the best probability, then the lowest index.
    keys = (probs.to(tl.int32, bitcast=True).to(tl.int64) << 32) | (E_PAD - 1 - offs)
    slots = tl.arange(0, TOP_K_PAD)
    picked_ids = tl.zeros((TOP_K_PAD,), tl.int32)
    picked = tl.zeros((TOP_K_PAD,), tl.float32)
    for i in tl.static_range(TOP_K):
        best_key = tl.max(keys, axis=0)
        index = (E_PAD - 1 - (best_key & 0xFFFFFFFF)).to(tl.int32)
        best = (best_key >> 32).to(tl.int32).to(tl.float32, bitcast=True)
        picked_ids = tl.where(slots == i, index, picked_ids)
        picked = tl.where(slots == i, best, picked)
        keys = tl.where(offs == index, -1, keys)
    if NORMALIZE:
        picked = picked / tl.sum(picked, axis=0)
    tl.store(ids_ptr + slots, picked_ids, mask=slots < TOP_K)
    tl.store(weights_ptr + slots, picked, mask=slots < TOP_K)


@triton.jit
def _clear_slice(clear_ptr, part, CLEAR_BLOCK: tl.constexpr, clear_n):
    offs = part * CLEAR_BLOCK + tl.arange(0, CLEAR_BLOCK)
    tl.store(clear_ptr + offs, tl.zeros((CLEAR_BLOCK,), tl.float32), mask=offs < clear_n)


@triton.jit
def _route_kernel(
    logits_ptr,
    ids_ptr,
    weights_ptr,
    clear_ptr,
    clear_n,
    E,
    TOP_K: tl.constexpr,
    TOP_K_PAD: tl.constexpr,
    E_PAD: tl.constexpr,
    NORMALIZE: tl.constexpr,
    CLEAR_BLOCK: tl.constexpr,
):
    row = tl.program_id(0)
    part = tl.program_id(1)
    if part > 0:  # the other programs clear the accumulator, one block each
        _clear_slice(clear_ptr + row * clear_n, part - 1, CLEAR_BLOCK, clear_n)
        return
    offs = tl.arange(0, E_PAD)
    logits = tl.load(logits_ptr + row * E + offs, mask=offs < E, other=float("-inf"))
    _pick_top_k(
        logits.to(tl.float32),
        offs,
        ids_ptr + row * TOP_K,
        weights_ptr + row * TOP_K,
        E_PAD,
        TOP_K,
        TOP_K_PAD,
        NORMALIZE,
    )


@triton.jit
def _router_route_kernel(
    x_ptr,
    router_ptr,
    logits_ptr,
    counter_ptr,
    ids_ptr,
    weights_ptr,
    clear_ptr,
    clear_n,
    E,
    H,
    TOP_K: tl.constexpr,
    TOP_K_PAD: tl.constexpr,
    E_PAD: tl.constexpr,
    NORMALIZE: tl.constexpr,
    EXPERTS_PER_PROGRAM: tl.constexpr,
    H_PAD: tl.constexpr,
    CLEAR_BLOCK: tl.constexpr,
):
    pid = tl.program_id(0)
    offs_e = pid * EXPERTS_PER_PROGRAM + tl.arange(0, EXPERTS_PER_PROGRAM)
    offs_h = tl.arange(0, H_PAD)
    mask_e, mask_h = offs_e < E, offs_h < H
    x = tl.load(x_ptr + offs_h, mask=mask_h, other=0.0)
    w = tl.load(
        router_ptr + offs_e[:, None] * H + offs_h[None, :],
        mask=mask_e[:, None] & mask_h[None, :],
        other=0.0,
    )
    logits = tl.sum(w.to(tl.float32) * x.to(tl.float32)[None, :], axis=1)
    # Round where the model's linear layer rounds its output.
    logits = logits.to(x_ptr.dtype.element_ty).to(tl.float32)
    tl.store(logits_ptr + offs_e, logits, mask=mask_e)
    _clear_slice(clear_ptr, pid, CLEAR_BLOCK, clear_n)
    # acq_rel: this program's logits are visible before the count says so.
    if tl.atomic_add(counter_ptr, 1) == tl.num_programs(0) - 1:
        offs = tl.arange(0, E_PAD)
        everyone = tl.load(
            logits_ptr + offs, mask=offs < E, other=float("-inf"), cache_modifier=".cg"
        )
        _pick_top_k(everyone, offs, ids_ptr, weights_ptr, E_PAD, TOP_K, TOP_K_PAD, NORMALIZE)
        tl.store(counter_ptr, 0)  # ready for the next layer's launch


class RouterRoute:
    """Workspace of the fused router + top-k launch for one token: fp32 logits and the
    programs' counter, allocated once so a CUDA graph can replay the launch."""

    def __init__(self, num_experts: int, device: torch.device) -> None:
        self.logits = torch.zeros(num_experts, device=device, dtype=torch.float32)
        self.counter = torch.zeros(1, device=device, dtype=torch.int32)

    def __call__(
        self,
        x: torch.Tensor,
        router: torch.Tensor,
        top_k: int,
        normalize: bool,
        ids: torch.Tensor,
        weights: torch.Tensor,
        clear: torch.Tensor,
    ) -> None:
        """x [1, H], router [E, H] (the model's dtype) -> ids [1, k] int32 and weights [1, k]
        fp32, in place; zeroes `clear` (fp32, any shape)."""
        E, H = router.shape
        per_program = max(1, triton.next_power_of_2(triton.cdiv(E, TARGET_PROGRAMS)))
        programs = triton.cdiv(E, per_program)
        _router_route_kernel[(programs,)](
            x,
            router,
            self.logits,
            self.counter,
            ids,
            weights,
            clear,
            clear.numel(),
            E,
            H,
            TOP_K=top_k,
            TOP_K_PAD=triton.next_power_of_2(top_k),
            E_PAD=triton.next_power_of_2(E),
            NORMALIZE=normalize,
            EXPERTS_PER_PROGRAM=per_program,
            H_PAD=triton.next_power_of_2(H),
            CLEAR_BLOCK=triton.next_power_of_2(triton.cdiv(clear.numel(), programs)),
            num_warps=WARPS,
        )


def route_topk(
    logits: torch.Tensor,
    top_k: int,
    normalize: bool,
    ids: torch.Tensor,
    weights: torch.Tensor,
    clear: torch.Tensor,
) -> None:
    """logits [T, E] -> ids [T, k] int32 and weights [T, k] fp32, in place; zeroes `clear`
    ([T, ...] fp32, the gate/up accumulator the next launch adds into)."""
    T, E = logits.shape
    clear_n = clear.numel() // T
    _route_kernel[(T, 1 + triton.cdiv(clear_n, 2048))](
        logits,
        ids,
        weights,
        clear,
        clear_n,
        E,
        TOP_K=top_k,
        TOP_K_PAD=triton.next_power_of_2(top_k),
        E_PAD=triton.next_power_of_2(E),
        NORMALIZE=normalize,
        CLEAR_BLOCK=2048,
    )
