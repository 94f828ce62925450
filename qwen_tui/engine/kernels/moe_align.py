"""The MoE's alignment step (`moe_reference.align_pairs`, its torch reference) in three small
launches instead of some twenty torch ops a layer, each of them a launch the host pays for
and a few microseconds the GPU idles.

The (token, expert) pairs are cut into chunks of CHUNK. Launch one counts each chunk's pairs
per expert and fills its share of the pair ids with the padding id (no fill launch of its
own); launch two, one program, reads the counts once: each chunk's first slot per expert
counted from that expert's start, then each expert's padded start and each block's expert;
launch three places every pair at its expert's start plus its chunk's slot plus its rank
among the chunk's earlier pairs of that expert. The result is the reference's exactly:
pairs in token order within each expert.

The counts that follow a prompt's length are not specialised on (`do_not_specialize`), so
a prompt of a length the warm-up did not see runs the binaries it compiled instead of
compiling its own while the user waits; the same holds for every prefill kernel.
"""

from __future__ import annotations

import torch
import triton
import triton.language as tl

CHUNK = 128  # pairs per program of the counting and placing launches
PLAN_ROWS = 32  # chunks the planning program reads at once
PLAN_BLOCK_ROWS = 128  # blocks it gives an expert at once
PLAN_WARPS = 4  # with these tiles: no spills from Triton 3.5 to 3.9, sm_70 to sm_120
FILL_BLOCK = 256  # pair-id slots a counting program fills at a time


@triton.jit
def _one_hot(ids_ptr, chunk, num_pairs, CHUNK: tl.constexpr, E_PAD: tl.constexpr):
    """[CHUNK, E_PAD] int32: pair i of the chunk is expert e (0 past the last pair)."""
    offs = chunk * CHUNK + tl.arange(0, CHUNK)
    ids = tl.load(ids_ptr + offs, mask=offs < num_pairs, other=-1)
    return (ids[:, None] == tl.arange(0, E_PAD)[None, :]).to(tl.int32)


@triton.jit(do_not_specialize=["num_pairs", "num_chunks", "capacity"])
def _count_kernel(
    ids_ptr,
    counts_ptr,
    pair_ids_ptr,
    num_pairs,
    num_chunks,
    capacity,
    CHUNK: tl.constexpr,
    E_PAD: tl.constexpr,
    FILL_BLOCK: tl.constexpr,
):
    chunk = tl.program_id(0)
    per_expert = tl.sum(_one_hot(ids_ptr, chunk, num_pairs, CHUNK, E_PAD), axis=0)
    tl.store(counts_ptr + chunk * E_PAD + tl.arange(0, E_PAD), per_expert)
    # Every slot starts as padding (the id no pair has); the placing launch, after this
    # one, overwrites the slots pairs take. A loop, so no shape is specialised on.
    padding = tl.full((FILL_BLOCK,), num_pairs, tl.int64)
    for first in range(chunk * FILL_BLOCK, capacity, num_chunks * FILL_BLOCK):
        slots = first + tl.arange(0, FILL_BLOCK)
        tl.store(pair_ids_ptr + slots, padding, mask=slots < capacity)


@triton.jit(do_not_specialize=["num_chunks", "num_blocks"])
def _plan_kernel(
    counts_ptr,
    base_ptr,
    block_expert_ptr,
    num_chunks,
    num_blocks,
    num_experts,
    block_m,
    E_PAD: tl.constexpr,
    ROWS: tl.constexpr,
    BLOCK_ROWS: tl.constexpr,
):
    """base rows 0..num_chunks-1: each chunk's first slot per expert, from the expert's
    start; base row num_chunks: each expert's padded start."""
    experts = tl.arange(0, E_PAD)
    seen = tl.zeros((E_PAD,), dtype=tl.int32)  # each expert's pairs in the chunks so far
    for c0 in range(0, num_chunks, ROWS):
        rows = c0 + tl.arange(0, ROWS)[:, None]
        at = rows * E_PAD + experts[None, :]
        counts = tl.load(counts_ptr + at, mask=rows < num_chunks, other=0)
        first = seen[None, :] + tl.cumsum(counts, axis=0) - counts
        tl.store(base_ptr + at, first, mask=rows < num_chunks)
        seen += tl.sum(counts, axis=0)
    padded = (seen + block_m - 1) // block_m * block_m
    ends = tl.cumsum(padded, axis=0)
    tl.store(base_ptr + num_chunks * E_PAD + experts, ends - padded)
    for b0 in range(0, num_blocks, BLOCK_ROWS):
        blocks = b0 + tl.arange(0, BLOCK_ROWS)
        before = (ends[None, :] <= (blocks * block_m)[:, None]).to(tl.int32)
        expert = tl.minimum(tl.sum(before, axis=1), num_experts - 1)
        tl.store(block_expert_ptr + blocks, expert.to(tl.int64), mask=blocks < num_blocks)


@triton.jit(do_not_specialize=["num_pairs"])
def _place_kernel(
    ids_ptr,
    base_ptr,
    pair_ids_ptr,
    num_pairs,
    num_chunks,
    CHUNK: tl.constexpr,
    E_PAD: tl.constexpr,
):
    chunk = tl.program_id(0)
    one_hot = _one_hot(ids_ptr, chunk, num_pairs, CHUNK, E_PAD)
    rank = tl.sum(one_hot * (tl.cumsum(one_hot, axis=0) - 1), axis=1)
    experts = tl.arange(0, E_PAD)
    start = tl.load(base_ptr + num_chunks * E_PAD + experts)
    first = tl.sum(one_hot * (start + tl.load(base_ptr + chunk * E_PAD + experts))[None, :], 1)
    pairs = chunk * CHUNK + tl.arange(0, CHUNK)
    tl.store(pair_ids_ptr + first + rank, pairs.to(tl.int64), mask=pairs < num_pairs)


def align_pairs_triton(
    expert_ids: torch.Tensor, num_experts: int, block_m: int
) -> tuple[torch.Tensor, torch.Tensor]:
    """What `moe_reference.align_pairs` returns, from Triton kernels: pair ids [P] (padding =
    num_pairs) and each block's expert [P / block_m], P the worst case. No host sync."""
    flat = expert_ids.reshape(-1)
    num_pairs, device = flat.numel(), flat.device
    capacity = triton.cdiv(num_pairs + num_experts * (block_m - 1), block_m) * block_m
    num_chunks, e_pad = triton.cdiv(num_pairs, CHUNK), triton.next_power_of_2(num_experts)
    # The counts, then the plan: each chunk's first slots and, last, the experts' starts.
    scratch = torch.empty(2 * num_chunks + 1, e_pad, dtype=torch.int32, device=device)
    counts, base = scratch[:num_chunks], scratch[num_chunks:]
    pair_ids = torch.empty(capacity, dtype=torch.int64, device=device)
    block_expert = torch.empty(capacity // block_m, dtype=torch.int64, device=device)
    _count_kernel[(num_chunks,)](
        flat,
        counts,
        pair_ids,
        num_pairs,
        num_chunks,
        capacity,
        CHUNK=CHUNK,
        E_PAD=e_pad,
        FILL_BLOCK=FILL_BLOCK,
    )
    _plan_kernel[(1,)](
        counts,
        base,
        block_expert,
        num_chunks,
        capacity // block_m,
        num_experts,
        block_m,
        E_PAD=e_pad,
        ROWS=PLAN_ROWS,
        BLOCK_ROWS=PLAN_BLOCK_ROWS,
        num_warps=PLAN_WARPS,
    )
    _place_kernel[(num_chunks,)](
        flat, base, pair_ids, num_pairs, num_chunks, CHUNK=CHUNK, E_PAD=e_pad
    )
    return pair_ids, block_expert
