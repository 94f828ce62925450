"""Qwen3's per-head RMSNorm and rotary embedding of q or k rows, inside another kernel.

The decode attention computes its own query heads (and, for the chunk holding the current
position, the new key and value) straight from the q|k|v projection's fp32 sums, so the
step needs no launch for them. Rounding is `norms.py`'s: each value rounds to the model's
dtype where transformers rounds it.
"""

from __future__ import annotations

import triton
import triton.language as tl


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
):
    """Rows `rows` of base_ptr [.., HEAD_DIM] (fp32 sums) -> [len(rows), HEAD_DIM] fp32
    holding model-dtype values: RMSNorm(x) * weight, rotated to position `pos`."""
    offs_d = tl.arange(0, HEAD_DIM)
    partner = (offs_d + HEAD_DIM // 2) % HEAD_DIM  # rotate-half pairs d with d +- D/2
    mask = mask_rows[:, None]
    x = tl.load(base_ptr + rows[:, None] * HEAD_DIM + offs_d[None, :], mask=mask, other=0.0)
    xp = tl.load(base_ptr + rows[:, None] * HEAD_DIM + partner[None, :], mask=mask, other=0.0)
    x = x.to(dtype).to(tl.float32)  # the projection's output rounds to the model dtype
    xp = xp.to(dtype).to(tl.float32)
    inv = tl.rsqrt(tl.sum(x * x, axis=1) / HEAD_DIM + eps)[:, None]
    w = tl.load(norm_ptr + offs_d).to(tl.float32)[None, :]
    wp = tl.load(norm_ptr + partner).to(tl.float32)[None, :]
    x = (w * (x * inv).to(dtype).to(tl.float32)).to(dtype).to(tl.float32)
    xp = (wp * (xp * inv).to(dtype).to(tl.float32)).to(dtype).to(tl.float32)
    cos = tl.load(cos_ptr + pos * HEAD_DIM + offs_d).to(tl.float32)[None, :]
    sin = tl.load(sin_ptr + pos * HEAD_DIM + offs_d).to(tl.float32)[None, :]
    sign = tl.where(offs_d < HEAD_DIM // 2, -1.0, 1.0)[None, :]
    return (x * cos + sign * xp * sin).to(dtype).to(tl.float32)
