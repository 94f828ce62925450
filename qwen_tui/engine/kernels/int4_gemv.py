"""Decode-time y += x @ W for GPTQ int4 W with groups in order (desc_act false).

The memory-bound case: one row against a whole weight, so the whole game is keeping enough
bytes in flight. Each program streams a K range of one column block: it reads each packed
int32 once, unpacks it with shifts in registers, and accumulates elementwise into a
[BLOCK_K, BLOCK_N] tile, reducing across K only once at the end. A tile lies in one group,
so its zero and scale are one row each. K is split across programs (about four per SM);
partial sums meet in an fp32 buffer through atomics, and the buffer's consumer zeroes it
again (see `norms.py`), so nothing here allocates. With a `ResidualInput` the GEMV reads
the residual stream un-normed instead of x (`residual_input.py`).
"""

from __future__ import annotations

import torch
import triton
import triton.language as tl

from qwen_tui.engine.kernels import launch_overlap
from qwen_tui.engine.kernels.gptq_tiles import int4_tile_sum
from qwen_tui.engine.kernels.launch_overlap import after_previous_kernel, prefetch_int4_tiles
from qwen_tui.engine.kernels.residual_input import ResidualInput, residual_tile_sum

# Module constants, read at each launch, so `runner_speed.py --tiles` can try others.
TARGET_PROGRAMS = 1056  # eight small programs per SM keep the most loads in flight
BLOCK_N = 64
WARPS = 2


@triton.jit
def gemv_program_start(
    qw_ptr,
    sc_ptr,
    N,
    K,
    group_size,
    k_per_split,
    BLOCK_N: tl.constexpr,
    BLOCK_K: tl.constexpr,
    PDL: tl.constexpr,
):
    """A split-K GEMV program's columns (offsets, mask) and K range; with PDL it first asks
    for its weights into L2 (they do not depend on the kernel before), then waits."""
    offs_n = tl.program_id(0) * BLOCK_N + tl.arange(0, BLOCK_N)
    mask_n = offs_n < N
    k_lo = tl.program_id(1) * k_per_split
    k_hi = tl.minimum(k_lo + k_per_split, K)
    if PDL:  # the weights do not depend on the kernel before: ask for them now
        col0 = tl.program_id(0) * BLOCK_N
        prefetch_int4_tiles(qw_ptr, sc_ptr, k_lo, k_hi, col0, N, group_size, BLOCK_K, BLOCK_N)
    after_previous_kernel(PDL)
    return offs_n, mask_n, k_lo, k_hi


@triton.jit
def _gemv_kernel(
    x_ptr,
    h_ptr,
    attn_ptr,
    mlp_ptr,
    norm_ptr,
    squares_ptr,
    qw_ptr,
    qz_ptr,
    sc_ptr,
    out_ptr,
    N,
    K,
    group_size,
    k_per_split,
    BLOCK_N: tl.constexpr,
    BLOCK_K: tl.constexpr,
    NORM_INPUT: tl.constexpr,
    PDL: tl.constexpr,
):
    offs_n, mask_n, k_lo, k_hi = gemv_program_start(
        qw_ptr, sc_ptr, N, K, group_size, k_per_split, BLOCK_N, BLOCK_K, PDL
    )
    if NORM_INPUT:
        acc, squares = residual_tile_sum(
            h_ptr,
            attn_ptr,
            mlp_ptr,
            norm_ptr,
            qw_ptr,
            qz_ptr,
            sc_ptr,
            k_lo,
            k_hi,
            offs_n,
            mask_n,
            N,
            group_size,
            BLOCK_K,
            BLOCK_N,
        )
        if tl.program_id(0) == 0:  # each K range's squares once
            tl.atomic_add(squares_ptr, squares)
    else:
        acc = int4_tile_sum(
            x_ptr,
            qw_ptr,
            qz_ptr,
            sc_ptr,
            k_lo,
            k_hi,
            offs_n,
            mask_n,
            N,
            group_size,
            BLOCK_K,
            BLOCK_N,
        )
    tl.atomic_add(out_ptr + offs_n, acc, mask=mask_n)


def gemv_block_k(group_size: int) -> int:
    """Tile depth: one group per tile, at most 128 rows."""
    return min(128, group_size)


def k_splits(
    k: int, block_k: int, programs_per_split: int, target: int | None = None
) -> tuple[int, int]:
    """(number of K splits, rows per split) so that the launch has about `target` programs
    (TARGET_PROGRAMS when not given)."""
    target = TARGET_PROGRAMS if target is None else target
    tiles = k // block_k
    splits = max(1, min(tiles, target // max(1, programs_per_split)))
    per_split = triton.cdiv(tiles, splits) * block_k
    return triton.cdiv(k, per_split), per_split


def int4_gemv_into(
    x: torch.Tensor,
    qweight: torch.Tensor,
    qzeros: torch.Tensor,
    scales: torch.Tensor,
    group_size: int,
    out: torch.Tensor,
    residual: ResidualInput | None = None,
) -> None:
    """out [1, N] (fp32, may be a column slice of a wider buffer) += x [1, K] @ W; with
    `residual`, x is not read: the sums are of its un-normed input (see the module)."""
    K, N = qweight.shape[0] * 8, qweight.shape[1]
    block_k = gemv_block_k(group_size)
    if x.shape[0] != 1 or K % block_k or group_size % block_k:
        raise ValueError(f"one row, K={K} and group size {group_size} multiples of {block_k}")
    n_blocks = triton.cdiv(N, BLOCK_N)
    splits, per_split = k_splits(K, block_k, n_blocks)
    pdl = launch_overlap.enabled(x.device.type) and N % BLOCK_N == 0
    _gemv_kernel[(n_blocks, splits)](
        x,
        *(residual.gemv_args() if residual is not None else (x,) * 5),
        qweight,
        qzeros,
        scales,
        out,
        N,
        K,
        group_size,
        per_split,
        BLOCK_N=BLOCK_N,
        BLOCK_K=block_k,
        NORM_INPUT=residual is not None,
        PDL=pdl,
        num_warps=WARPS,
        **launch_overlap.launch_options(pdl),
    )
