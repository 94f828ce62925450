"""The small fused steps between the matmuls of a decode step.

`add_rmsnorm`: h += bf16(acc); x = RMSNorm(h) * weight; acc = 0, in one launch. The
fp32 accumulators of the int4 GEMVs are emptied here, ready for the next step's atomics.
`qk_norm_rope_cache`: split the fused q|k|v accumulator into heads, RMSNorm q and k per head
(Qwen3), rotate them, write q out and k, v into the cache at their position; acc = 0.
Rounding follows transformers: each sum is rounded to the model's dtype where it rounds.
"""

from __future__ import annotations

import torch
import triton
import triton.language as tl


@triton.jit
def _add_rmsnorm_kernel(h_ptr, acc_ptr, w_ptr, x_ptr, H, eps, BLOCK: tl.constexpr):
    row = tl.program_id(0)
    offs = tl.arange(0, BLOCK)
    mask = offs < H
    acc = tl.load(acc_ptr + row * H + offs, mask=mask, other=0.0)
    h = tl.load(h_ptr + row * H + offs, mask=mask, other=0.0)
    h = (h.to(tl.float32) + acc.to(h.dtype).to(tl.float32)).to(h.dtype)
    tl.store(h_ptr + row * H + offs, h, mask=mask)
    tl.store(acc_ptr + row * H + offs, tl.zeros_like(acc), mask=mask)
    hf = h.to(tl.float32)
    normed = hf * tl.rsqrt(tl.sum(hf * hf, axis=0) / H + eps)
    w = tl.load(w_ptr + offs, mask=mask, other=0.0)
    tl.store(
        x_ptr + row * H + offs,
        (w.to(tl.float32) * normed.to(h.dtype).to(tl.float32)).to(x_ptr.dtype.element_ty),
        mask=mask,
    )


@triton.jit
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
    num_heads,
    num_kv_heads,
    max_len,
    eps,
    HEAD_DIM: tl.constexpr,
):
    row = tl.program_id(0)
    head = tl.program_id(1)  # q heads, then k heads, then v heads
    half = tl.arange(0, HEAD_DIM // 2)
    width = (num_heads + 2 * num_kv_heads) * HEAD_DIM
    base = acc_ptr + row * width + head * HEAD_DIM
    a = tl.load(base + half)
    b = tl.load(base + HEAD_DIM // 2 + half)
    tl.store(base + half, tl.zeros_like(a))
    tl.store(base + HEAD_DIM // 2 + half, tl.zeros_like(b))
    dtype = q_ptr.dtype.element_ty
    a = a.to(dtype).to(tl.float32)  # the projection's output rounds to the model dtype
    b = b.to(dtype).to(tl.float32)
    pos = tl.load(pos_ptr + row)
    is_v = head >= num_heads + num_kv_heads
    if is_v:
        kv = head - num_heads - num_kv_heads
        dst = v_cache_ptr + (kv * max_len + pos) * HEAD_DIM
        tl.store(dst + half, a.to(dtype))
        tl.store(dst + HEAD_DIM // 2 + half, b.to(dtype))
    else:
        is_q = head < num_heads
        norm_ptr = qn_ptr if is_q else kn_ptr
        inv = tl.rsqrt((tl.sum(a * a, axis=0) + tl.sum(b * b, axis=0)) / HEAD_DIM + eps)
        wa = tl.load(norm_ptr + half).to(tl.float32)
        wb = tl.load(norm_ptr + HEAD_DIM // 2 + half).to(tl.float32)
        a = wa * (a * inv).to(dtype).to(tl.float32)
        b = wb * (b * inv).to(dtype).to(tl.float32)
        a = a.to(dtype).to(tl.float32)
        b = b.to(dtype).to(tl.float32)
        cos_a = tl.load(cos_ptr + pos * HEAD_DIM + half).to(tl.float32)
        cos_b = tl.load(cos_ptr + pos * HEAD_DIM + HEAD_DIM // 2 + half).to(tl.float32)
        sin_a = tl.load(sin_ptr + pos * HEAD_DIM + half).to(tl.float32)
        sin_b = tl.load(sin_ptr + pos * HEAD_DIM + HEAD_DIM // 2 + half).to(tl.float32)
        out_a = a * cos_a - b * sin_a
        out_b = b * cos_b + a * sin_b
        if is_q:
            dst = q_ptr + (row * num_heads + head) * HEAD_DIM
        else:
            dst = k_cache_ptr + ((head - num_heads) * max_len + pos) * HEAD_DIM
        tl.store(dst + half, out_a.to(dtype))
        tl.store(dst + HEAD_DIM // 2 + half, out_b.to(dtype))


def add_rmsnorm(
    h: torch.Tensor, acc: torch.Tensor, weight: torch.Tensor, x: torch.Tensor, eps: float
) -> None:
    """h [T, H] += acc (fp32, then zeroed); x [T, H] = RMSNorm(h) * weight."""
    T, H = h.shape
    _add_rmsnorm_kernel[(T,)](h, acc, weight, x, H, eps, BLOCK=triton.next_power_of_2(H))


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
) -> None:
    """acc [T, (heads + 2 kv) * D] fp32 (zeroed after) -> q [T, heads, D] and the cache
    [kv, max_len, D] rows at pos [T]; cos, sin [max_len, D]."""
    T = acc.shape[0]
    num_heads, head_dim = q.shape[-2], q.shape[-1]
    num_kv, max_len = k_cache.shape[0], k_cache.shape[1]
    _qk_norm_rope_cache_kernel[(T, num_heads + 2 * num_kv)](
        acc,
        q,
        k_cache,
        v_cache,
        pos,
        cos,
        sin,
        q_norm,
        k_norm,
        num_heads,
        num_kv,
        max_len,
        eps,
        HEAD_DIM=head_dim,
    )
