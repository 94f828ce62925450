"""Qwen3's per-head RMSNorm of q and k and the rotary embedding, rounded as transformers
rounds (each value to the model's dtype where it rounds).

`qk_norm_rope_cache`, a launch of its own: split the fused q|k|v rows into heads, norm and
rotate q and k, write q out and k, v into the cache at their positions; at decode the fp32
sums are emptied too. A decode program takes one head; a prefill program a few (row, head)
pairs, since thousands of one-head programs would each be too small to keep an SM busy.
`norm_rope_rows`, the same math inside another kernel: the decode attention can make its
own q (and the current k and v) from the sums (`decode_attention.FUSE_QK`).
"""

from __future__ import annotations

import math

import torch
import triton
import triton.language as tl

from qwen_tui.engine.kernels import launch_overlap
from qwen_tui.engine.kernels.launch_overlap import after_previous_kernel
from qwen_tui.engine.kernels.tuning import INTERPRETED_ROWS, interpreted

PREFILL_HEADS_PER_PROGRAM = 4  # prefill: heads of a row per program (a power of two)
PREFILL_ROWS_PER_PROGRAM = 1  # prefill: rows per program (a power of two)
PREFILL_NORM_WARPS = 2  # [4 heads, 64] halves: two elements a thread per half


@triton.jit(do_not_specialize=["T"])  # one binary for every prompt length
def _qk_norm_rope_cache_kernel(
    acc_ptr,
    q_ptr,
    k_cache_ptr,
    v_cache_ptr,
    pos_ptr,
    cos_ptr,
    sin_ptr,
    qn_ptr,
    kn_ptr,
    T,
    num_heads,
    num_kv_heads,
    max_len,
    q_stride_row,
    q_stride_head,
    eps,
    HEAD_DIM: tl.constexpr,
    BLOCK_T: tl.constexpr,
    BLOCK_H: tl.constexpr,
    CLEAR: tl.constexpr,
    PDL: tl.constexpr,
):
    after_previous_kernel(PDL)
    # Each tile row is one (row, head) pair; a program's heads are all q, all k or all v.
    first = tl.program_id(1) * BLOCK_H
    pair = tl.arange(0, BLOCK_T * BLOCK_H)[:, None]
    rows = tl.program_id(0) * BLOCK_T + pair // BLOCK_H
    heads = first + pair % BLOCK_H
    half = tl.arange(0, HEAD_DIM // 2)[None, :]
    mask = (rows < T) & (half < HEAD_DIM // 2)
    width = (num_heads + 2 * num_kv_heads) * HEAD_DIM
    base = acc_ptr + rows * width + heads * HEAD_DIM + half
    a = tl.load(base, mask=mask, other=0.0)
    b = tl.load(base + HEAD_DIM // 2, mask=mask, other=0.0)
    if CLEAR:
        tl.store(base, tl.zeros_like(a), mask=mask)
        tl.store(base + HEAD_DIM // 2, tl.zeros_like(b), mask=mask)
    dtype = q_ptr.dtype.element_ty
    a = a.to(dtype).to(tl.float32)  # the projection's output rounds to the model dtype
    b = b.to(dtype).to(tl.float32)
    pos = tl.load(pos_ptr + rows, mask=rows < T, other=0)
    if first >= num_heads + num_kv_heads:
        dst = v_cache_ptr + ((heads - num_heads - num_kv_heads) * max_len + pos) * HEAD_DIM
        tl.store(dst + half, a.to(dtype), mask=mask)
        tl.store(dst + HEAD_DIM // 2 + half, b.to(dtype), mask=mask)
    else:
        is_q = first < num_heads
        norm_ptr = qn_ptr if is_q else kn_ptr
        sum_sq = tl.sum(a * a, axis=1) + tl.sum(b * b, axis=1)
        inv = tl.rsqrt(sum_sq / HEAD_DIM + eps)[:, None]
        wa = tl.load(norm_ptr + half).to(tl.float32)
        wb = tl.load(norm_ptr + HEAD_DIM // 2 + half).to(tl.float32)
        a = wa * (a * inv).to(dtype).to(tl.float32)
        b = wb * (b * inv).to(dtype).to(tl.float32)
        a = a.to(dtype).to(tl.float32)
        b = b.to(dtype).to(tl.float32)
        angle = pos * HEAD_DIM + half
        cos_a = tl.load(cos_ptr + angle, mask=mask, other=0.0).to(tl.float32)
        cos_b = tl.load(cos_ptr + angle + HEAD_DIM // 2, mask=mask, other=0.0).to(tl.float32)
        sin_a = tl.load(sin_ptr + angle, mask=mask, other=0.0).to(tl.float32)
        sin_b = tl.load(sin_ptr + angle + HEAD_DIM // 2, mask=mask, other=0.0).to(tl.float32)
        out_a = a * cos_a - b * sin_a
        out_b = b * cos_b + a * sin_b
        if is_q:
            dst = q_ptr + rows * q_stride_row + heads * q_stride_head
        else:
            dst = k_cache_ptr + ((heads - num_heads) * max_len + pos) * HEAD_DIM
        tl.store(dst + half, out_a.to(dtype), mask=mask)
        tl.store(dst + HEAD_DIM // 2 + half, out_b.to(dtype), mask=mask)


@triton.jit
def norm_rope_rows(
    base_ptr,
    rows,
    mask_rows,
    norm_ptr,
    cos_ptr,
    sin_ptr,
    pos,
    eps,
    HEAD_DIM: tl.constexpr,
    dtype: tl.constexpr,
    input_scale=1.0,
):
    """Rows `rows` of base_ptr [.., HEAD_DIM] (fp32 sums, times `input_scale`) ->
    [len(rows), HEAD_DIM] fp32 holding model-dtype values: RMSNorm(x) * weight, rotated to
    position `pos`."""
    offs_d = tl.arange(0, HEAD_DIM)
    partner = (offs_d + HEAD_DIM // 2) % HEAD_DIM  # rotate-half pairs d with d +- D/2
    mask = mask_rows[:, None]
    x = tl.load(base_ptr + rows[:, None] * HEAD_DIM + offs_d[None, :], mask=mask, other=0.0)
    xp = tl.load(base_ptr + rows[:, None] * HEAD_DIM + partner[None, :], mask=mask, other=0.0)
    x = (x * input_scale).to(dtype).to(tl.float32)  # the projection's output rounds so
    xp = (xp * input_scale).to(dtype).to(tl.float32)
    inv = tl.rsqrt(tl.sum(x * x, axis=1) / HEAD_DIM + eps)[:, None]
    w = tl.load(norm_ptr + offs_d).to(tl.float32)[None, :]
    wp = tl.load(norm_ptr + partner).to(tl.float32)[None, :]
    x = (w * (x * inv).to(dtype).to(tl.float32)).to(dtype).to(tl.float32)
    xp = (wp * (xp * inv).to(dtype).to(tl.float32)).to(dtype).to(tl.float32)
    cos = tl.load(cos_ptr + pos * HEAD_DIM + offs_d).to(tl.float32)[None, :]
    sin = tl.load(sin_ptr + pos * HEAD_DIM + offs_d).to(tl.float32)[None, :]
    sign = tl.where(offs_d < HEAD_DIM // 2, -1.0, 1.0)[None, :]
    return (x * cos + sign * xp * sin).to(dtype).to(tl.float32)


def qk_norm_rope_cache(
    acc: torch.Tensor,
    q: torch.Tensor,
    k_cache: torch.Tensor,
    v_cache: torch.Tensor,
    pos: torch.Tensor,
    cos: torch.Tensor,
    sin: torch.Tensor,
    q_norm: torch.Tensor,
    k_norm: torch.Tensor,
    eps: float,
    clear: bool = True,
) -> None:
    """acc [T, (heads + 2 kv) * D] (fp32 or the model dtype; zeroed after when `clear`) ->
    q [T, heads, D] (any strides, so a prefill can write it head-major for attention) and
    the cache [kv, max_len, D] rows at pos [T]; cos, sin [max_len, D]."""
    T = acc.shape[0]
    num_heads, head_dim = q.shape[-2], q.shape[-1]
    num_kv, max_len = k_cache.shape[0], k_cache.shape[1]
    if T == 1:  # decode: a program per head, the launch the CUDA graph was tuned with
        block_t, block_h = 1, 1
        launch = launch_overlap.launch_options(launch_overlap.enabled(acc.device.type))
    else:
        block_h = math.gcd(num_heads, num_kv, PREFILL_HEADS_PER_PROGRAM)
        block_t = PREFILL_ROWS_PER_PROGRAM
        if interpreted():
            block_t = min(triton.next_power_of_2(T), INTERPRETED_ROWS)
        launch = {"num_warps": PREFILL_NORM_WARPS}
    grid = (triton.cdiv(T, block_t), (num_heads + 2 * num_kv) // block_h)
    _qk_norm_rope_cache_kernel[grid](
        acc,
        q,
        k_cache,
        v_cache,
        pos,
        cos,
        sin,
        q_norm,
        k_norm,
        T,
        num_heads,
        num_kv,
        max_len,
        q.stride(0),
        q.stride(1),
        eps,
        HEAD_DIM=head_dim,
        BLOCK_T=block_t,
        BLOCK_H=block_h,
        CLEAR=clear,
        PDL="launch_pdl" in launch,
        **launch,
    )
