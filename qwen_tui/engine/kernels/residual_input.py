"""The decode step's residual stream handed to the q|k|v GEMV un-normed (`NORM_INPUT`).

A layer's input is x = RMSNorm(h + attn + mlp) * weight, where attn and mlp are the last
layer's fp32 sums. On its own that is a one-program launch between the experts and the
q|k|v GEMV, on the step's critical path. But the norm is one scalar per token, 1/rms,
times an elementwise weight, and the GEMV is linear: each GEMV program sums
(h + attn + mlp) * weight over its own rows only, and the programs of the first column
block add their rows' squares into one fp32 total. The attention's partials then scale
the q|k|v sums by 1/rms (taken from the total) before their own norms, and write the
updated h and empty the two sums; the merge empties the total. x itself is never
written, and the step has one launch fewer a layer.

The sums meet x in fp32 rather than rounded to the model's dtype, as the separate norm
rounds it: the q|k|v sums differ from the other path's by about one bf16 rounding.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
import triton
import triton.language as tl

from qwen_tui.engine.kernels.gptq_tiles import packed_dot
from qwen_tui.engine.kernels.norms import residual_add

# Off until timed on a GPU (benchmarks/runner_speed.py --variants, `norm_in_qkv_gemv`).
NORM_INPUT = False


@dataclass(frozen=True)
class ResidualInput:
    """The residual stream h [1, H] (the model's dtype), the attention's and the MLP's sums
    to add into it (fp32 [1, H]), the input norm's weight, and the squares' total
    (fp32 [1]) the GEMV fills and the attention's merge empties. The norm's epsilon is
    the model's one RMSNorm epsilon, which the attention has for q and k (`QkSums.eps`)."""

    h: torch.Tensor
    attn: torch.Tensor
    mlp: torch.Tensor
    norm: torch.Tensor
    squares: torch.Tensor

    def gemv_args(self) -> tuple[torch.Tensor, ...]:
        return self.h, self.attn, self.mlp, self.norm, self.squares


@triton.jit
def updated_residual(h_ptr, attn_ptr, mlp_ptr, offs, mask):
    """h + attn + mlp at `offs`, each sum rounded as the model rounds a residual add."""
    h = tl.load(h_ptr + offs, mask=mask, other=0.0)
    h = residual_add(h, tl.load(attn_ptr + offs, mask=mask, other=0.0))
    return residual_add(h, tl.load(mlp_ptr + offs, mask=mask, other=0.0))


@triton.jit
def weighted_input(h_ptr, attn_ptr, mlp_ptr, norm_ptr, offs):
    """A GEMV tile's input rows before the 1/rms: (h + attn + mlp) * weight in fp32, and
    the sum of the updated h's squares over them."""
    h = updated_residual(h_ptr, attn_ptr, mlp_ptr, offs, offs >= 0).to(tl.float32)
    squares = tl.sum(tl.sum(h * h, axis=1), axis=0)
    return h * tl.load(norm_ptr + offs).to(tl.float32), squares


@triton.jit
def inverse_rms(squares_ptr, H, eps):
    """1/rms of the updated h from the squares' total."""
    return tl.rsqrt(tl.load(squares_ptr) / H + eps)


@triton.jit
def settle_residual(h_ptr, attn_ptr, mlp_ptr, part, parts, H, BLOCK: tl.constexpr):
    """Part `part` of `parts` (BLOCK >= H / parts) writes h + attn + mlp into h and
    empties both sums there."""
    share = tl.cdiv(H, parts)
    offs = part * share + tl.arange(0, BLOCK)
    mask = (tl.arange(0, BLOCK) < share) & (offs < H)
    h = updated_residual(h_ptr, attn_ptr, mlp_ptr, offs, mask)
    tl.store(h_ptr + offs, h, mask=mask)
    zeros = tl.zeros((BLOCK,), tl.float32)
    tl.store(attn_ptr + offs, zeros, mask=mask)
    tl.store(mlp_ptr + offs, zeros, mask=mask)


@triton.jit
def residual_tile_sum(
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
    BLOCK_K: tl.constexpr,
    BLOCK_N: tl.constexpr,
):
    """`gptq_tiles.int4_tile_sum` of the residual stream times the norm's weight, before
    its 1/rms -> ([BLOCK_N] fp32, the updated residual's squares summed)."""
    acc = tl.zeros((BLOCK_N,), dtype=tl.float32)
    squares = 0.0
    for k0 in range(k_lo, k_hi, BLOCK_K):
        offs_k8 = k0 // 8 + tl.arange(0, BLOCK_K // 8)
        offs_x = offs_k8[:, None] * 8 + tl.arange(0, 8)[None, :]
        x, tile_squares = weighted_input(h_ptr, attn_ptr, mlp_ptr, norm_ptr, offs_x)
        squares += tile_squares
        acc += packed_dot(x, qw_ptr, qz_ptr, sc_ptr, k0, offs_k8, offs_n, mask_n, N, group_size)
    return acc, squares
