"""The softmax + top-k of MoE routing in Triton, and `route_topk`: the top-k alone over
logits already computed, one program a token (a prompt's routing in one launch, not
torch's four; and the decode step's path for routers the fused router launch in
`moe_route.py` does not take, such as int4 routers). `pick_top_k` and
`clear_slice` are the in-kernel pieces both launches share (`clear_slice` empties a
buffer across a launch's programs for the decode kernels too).
"""

from __future__ import annotations

import torch
import triton
import triton.language as tl


@triton.jit
def pick_top_k(
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


def clear_share(count: int, programs: int) -> int:
    """The CLEAR_BLOCK with which `programs` programs empty `count` values (`clear_slice`)."""
    return int(triton.next_power_of_2(triton.cdiv(count, programs)))


@triton.jit
def clear_slice(clear_ptr, part, CLEAR_BLOCK: tl.constexpr, clear_n):
    """Part `part` of a buffer of `clear_n` fp32 values emptied, CLEAR_BLOCK at a time."""
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
        clear_slice(clear_ptr + row * clear_n, part - 1, CLEAR_BLOCK, clear_n)
        return
    offs = tl.arange(0, E_PAD)
    logits = tl.load(logits_ptr + row * E + offs, mask=offs < E, other=float("-inf"))
    pick_top_k(
        logits.to(tl.float32),
        offs,
        ids_ptr + row * TOP_K,
        weights_ptr + row * TOP_K,
        E_PAD,
        TOP_K,
        TOP_K_PAD,
        NORMALIZE,
    )


def route_topk(
    logits: torch.Tensor,
    top_k: int,
    normalize: bool,
    ids: torch.Tensor,
    weights: torch.Tensor,
    clear: torch.Tensor | None = None,
) -> None:
    """logits [T, E] -> ids [T, k] int32 and weights [T, k] fp32, in place; zeroes `clear`
    ([T, ...] fp32, the decode step's gate/up accumulator the next launch adds into)."""
    T, E = logits.shape
    clear_n = 0 if clear is None else clear.numel() // T
    _route_kernel[(T, 1 + triton.cdiv(clear_n, 2048))](
        logits,
        ids,
        weights,
        weights if clear is None else clear,  # nothing to clear: any fp32 pointer
        clear_n,
        E,
        TOP_K=top_k,
        TOP_K_PAD=triton.next_power_of_2(top_k),
        E_PAD=triton.next_power_of_2(E),
        NORMALIZE=normalize,
        CLEAR_BLOCK=2048,
    )
