"""The decode attention's merge inside the o projection's GEMV (`FOLD_MERGE`, off until timed).

The merge is a launch of its own between the attention's partials and the o GEMV, on the
step's critical path. Each o GEMV program reads one K range of the attention's output,
which lies in one head, so it can merge that head's chunks itself: the running max, the
weighted sums and the values for its rows only, then round them as the merge rounds its
output. Every column block merges the same heads again, which is cheap while a head has
few chunks (at short contexts, `FOLD_CHUNKS`) and not at long ones, where the merge keeps
its launch. The programs also empty the q|k|v sums (and the input's squares' total) that
the merge would have emptied. One launch fewer a layer.
"""

from __future__ import annotations

import torch
import triton
import triton.language as tl

from qwen_tui.engine.kernels import launch_overlap
from qwen_tui.engine.kernels.decode_attention import DecodeAttention, Partials
from qwen_tui.engine.kernels.gptq_tiles import packed_dot, triton_dtype
from qwen_tui.engine.kernels.int4_gemv import (
    BLOCK_N,
    WARPS,
    gemv_block_k,
    gemv_program_start,
    k_splits,
)
from qwen_tui.engine.kernels.moe_topk import clear_share, clear_slice

FOLD_MERGE = False
FOLD_CHUNKS = (64, 256)  # chunk sizes (contexts under 6k) where a head has few chunks
BLOCK_P = tl.constexpr(8)  # chunks merged a loop step


@triton.jit
def _merged_rows(
    m_ptr,
    l_ptr,
    acc_ptr,
    used,
    splits,
    k0,
    HEAD_DIM: tl.constexpr,
    GROUP: tl.constexpr,
    BLOCK_K: tl.constexpr,
    DTYPE: tl.constexpr,
):
    """Rows k0 .. k0 + BLOCK_K of the attention's output (one head's), merged from its
    `used` chunks -> [BLOCK_K / 8, 8] fp32 holding model-dtype values."""
    head = k0 // HEAD_DIM
    kv_head, g = head // GROUP, head % GROUP
    dims = k0 % HEAD_DIM + tl.arange(0, BLOCK_K // 8)[:, None] * 8 + tl.arange(0, 8)[None, :]
    m_max = float("-inf")
    total = 0.0
    x = tl.zeros((BLOCK_K // 8, 8), tl.float32)
    for p0 in range(0, used, BLOCK_P):
        offs_p = p0 + tl.arange(0, BLOCK_P)
        mask_p = offs_p < used
        part = (kv_head * splits + offs_p) * GROUP + g
        m = tl.load(m_ptr + part, mask=mask_p, other=float("-inf"))
        new_max = tl.maximum(m_max, tl.max(m, axis=0))
        rescale = tl.exp(m_max - new_max)
        w = tl.where(mask_p, tl.exp(m - new_max), 0.0)
        total = total * rescale + tl.sum(tl.load(l_ptr + part, mask=mask_p, other=0.0) * w, axis=0)
        block = tl.load(
            acc_ptr + part[:, None, None] * HEAD_DIM + dims[None, :, :],
            mask=mask_p[:, None, None],
            other=0.0,
        )
        x = x * rescale + tl.sum(block * w[:, None, None], axis=0)
        m_max = new_max
    return (x / total).to(DTYPE).to(tl.float32)


@triton.jit
def _merged_o_kernel(
    pos_ptr,
    m_ptr,
    l_ptr,
    acc_ptr,
    clear_ptr,
    clear_n,
    squares_ptr,
    qw_ptr,
    qz_ptr,
    sc_ptr,
    out_ptr,
    N,
    K,
    group_size,
    k_per_split,
    splits,
    HEAD_DIM: tl.constexpr,
    GROUP: tl.constexpr,
    CHUNK_SIZE: tl.constexpr,
    BLOCK_N: tl.constexpr,
    BLOCK_K: tl.constexpr,
    CLEAR_BLOCK: tl.constexpr,
    CLEAR_SQUARES: tl.constexpr,
    DTYPE: tl.constexpr,
    PDL: tl.constexpr,
):
    offs_n, mask_n, k_lo, k_hi = gemv_program_start(
        qw_ptr, sc_ptr, N, K, group_size, k_per_split, BLOCK_N, BLOCK_K, PDL
    )
    program = tl.program_id(1) * tl.num_programs(0) + tl.program_id(0)
    if CLEAR_BLOCK > 0:  # every partial read the q|k|v sums: empty them for the next layer
        clear_slice(clear_ptr, program, CLEAR_BLOCK, clear_n)
    if CLEAR_SQUARES and program == 0:
        tl.store(squares_ptr, 0.0)
    used = tl.cdiv(tl.load(pos_ptr).to(tl.int32) + 1, CHUNK_SIZE)
    acc = tl.zeros((BLOCK_N,), dtype=tl.float32)
    for k0 in range(k_lo, k_hi, BLOCK_K):
        x = _merged_rows(m_ptr, l_ptr, acc_ptr, used, splits, k0, HEAD_DIM, GROUP, BLOCK_K, DTYPE)
        offs_k8 = k0 // 8 + tl.arange(0, BLOCK_K // 8)
        acc += packed_dot(x, qw_ptr, qz_ptr, sc_ptr, k0, offs_k8, offs_n, mask_n, N, group_size)
    tl.atomic_add(out_ptr + offs_n, acc, mask=mask_n)


def folds(attention: DecodeAttention, qweight: torch.Tensor, group_size: int) -> bool:
    """Whether the o GEMV can take the merge at the attention's current chunk size: each
    tile of its K must lie in one head."""
    block_k = gemv_block_k(group_size)
    return (
        FOLD_MERGE
        and attention.chunk in FOLD_CHUNKS
        and attention.head_dim % block_k == 0
        and qweight.shape[0] * 8 == attention.num_heads * attention.head_dim
    )


def merged_o_gemv_into(
    attention: DecodeAttention,
    partials: Partials,
    qweight: torch.Tensor,
    qzeros: torch.Tensor,
    scales: torch.Tensor,
    group_size: int,
    out: torch.Tensor,
    dtype: torch.dtype,
) -> None:
    """out [1, N] (fp32) += merge(partials) @ W_o, the merge done by the GEMV's programs
    (`folds` must hold), its output rounded to `dtype` (the model's) as the merge rounds."""
    K, N = qweight.shape[0] * 8, qweight.shape[1]
    block_k = gemv_block_k(group_size)
    n_blocks = triton.cdiv(N, BLOCK_N)
    splits, per_split = k_splits(K, block_k, n_blocks)
    sums = partials.sums
    clear = sums if sums is not None else out
    clear_block = clear_share(sums.numel(), n_blocks * splits) if sums is not None else 0
    squares = partials.squares
    pdl = launch_overlap.enabled(out.device.type) and N % BLOCK_N == 0
    _merged_o_kernel[(n_blocks, splits)](
        partials.pos,
        attention.m,
        attention.l,
        attention.acc,
        clear,
        clear.numel(),
        squares if squares is not None else out,
        qweight,
        qzeros,
        scales,
        out,
        N,
        K,
        group_size,
        per_split,
        attention.splits,
        HEAD_DIM=attention.head_dim,
        GROUP=attention.group,
        CHUNK_SIZE=attention.chunk,
        BLOCK_N=BLOCK_N,
        BLOCK_K=block_k,
        CLEAR_BLOCK=clear_block,
        CLEAR_SQUARES=squares is not None,
        DTYPE=triton_dtype(dtype),
        PDL=pdl,
        num_warps=WARPS,
        **launch_overlap.launch_options(pdl),
    )
