"""Reading GPTQ int4 tiles inside Triton kernels: the pieces every int4 kernel shares
(unpacked rows, a group's scale and zero, whole dequantized tiles for `tl.dot`, a GEMV's
row times a tile, and the Triton dtype an activation rounds to).

Layout (checkpoint_format "gptq"): `qweight [K/8, N]` int32 holds rows 8r..8r+7 of W in
packed row r, lowest bits first; `qzeros [K/G, N/8]` packs the zero points along N, stored
as the real zero minus one; `scales [K/G, N]`.
"""

from __future__ import annotations

import torch
import triton
import triton.language as tl


@triton.jit
def unpacked_rows(qw_ptr, offs_k8, offs_n, mask_n, N):
    """q [len(offs_k8), 8, len(offs_n)] int32 in 0..15: W rows 8r + j for packed rows r.
    Each int32 is loaded once and unpacked with shifts in registers."""
    packed = tl.load(qw_ptr + offs_k8[:, None] * N + offs_n[None, :], mask=mask_n[None, :], other=0)
    return (packed[:, None, :] >> (tl.arange(0, 8) * 4)[None, :, None]) & 0xF


@triton.jit
def group_scale_zero(qz_ptr, sc_ptr, group, offs_n, mask_n, N):
    """(scale, real zero) of one group for columns offs_n, both fp32 [len(offs_n)]."""
    scale = tl.load(sc_ptr + group * N + offs_n, mask=mask_n, other=0.0).to(tl.float32)
    packed = tl.load(qz_ptr + group * (N // 8) + offs_n // 8, mask=mask_n, other=0)
    zero = (((packed >> ((offs_n % 8) * 4)) & 0xF) + 1).to(tl.float32)
    return scale, zero


@triton.jit
def dequant_tile(
    qw_ptr,
    qz_ptr,
    sc_ptr,
    gidx_ptr,
    offs_k,
    offs_n,
    mask_k,
    mask_n,
    N,
    group_size,
    HAS_GIDX: tl.constexpr,
):
    """Dequantize W[offs_k, offs_n] to fp32: (q - (z_stored + 1)) * scale."""
    mask = mask_k[:, None] & mask_n[None, :]
    packed = tl.load(qw_ptr + (offs_k[:, None] // 8) * N + offs_n[None, :], mask=mask, other=0)
    q = (packed >> ((offs_k[:, None] % 8) * 4)) & 0xF
    if HAS_GIDX:
        group = tl.load(gidx_ptr + offs_k, mask=mask_k, other=0)
    else:
        group = offs_k // group_size
    scale = tl.load(sc_ptr + group[:, None] * N + offs_n[None, :], mask=mask, other=0.0)
    zeros = tl.load(qz_ptr + group[:, None] * (N // 8) + offs_n[None, :] // 8, mask=mask, other=0)
    zero = ((zeros >> ((offs_n[None, :] % 8) * 4)) & 0xF) + 1
    return (q - zero).to(tl.float32) * scale.to(tl.float32)


@triton.jit
def dequant_tile_ordered(
    qw_ptr,
    qz_ptr,
    sc_ptr,
    k0,
    offs_n,
    mask_n,
    N,
    group_size,
    BLOCK_K: tl.constexpr,
    BLOCK_N: tl.constexpr,
):
    """W[k0:k0+BLOCK_K, offs_n] in fp32 for a tile inside one group (groups in order): each
    packed int32 is loaded once, and the tile's zero and scale are one row each."""
    offs_k8 = k0 // 8 + tl.arange(0, BLOCK_K // 8)
    q = tl.reshape(unpacked_rows(qw_ptr, offs_k8, offs_n, mask_n, N), (BLOCK_K, BLOCK_N))
    scale, zero = group_scale_zero(qz_ptr, sc_ptr, k0 // group_size, offs_n, mask_n, N)
    return (q.to(tl.float32) - zero[None, :]) * scale[None, :]


@triton.jit
def int4_tile_sum(
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
    BLOCK_K: tl.constexpr,
    BLOCK_N: tl.constexpr,
):
    """sum over k in [k_lo, k_hi) of x[k] * W[k, offs_n] -> [BLOCK_N] fp32."""
    acc = tl.zeros((BLOCK_N,), dtype=tl.float32)
    for k0 in range(k_lo, k_hi, BLOCK_K):
        offs_k8 = k0 // 8 + tl.arange(0, BLOCK_K // 8)
        x = tl.load(x_ptr + offs_k8[:, None] * 8 + tl.arange(0, 8)[None, :]).to(tl.float32)
        acc += packed_dot(x, qw_ptr, qz_ptr, sc_ptr, k0, offs_k8, offs_n, mask_n, N, group_size)
    return acc


@triton.jit
def packed_dot(x, qw_ptr, qz_ptr, sc_ptr, k0, offs_k8, offs_n, mask_n, N, group_size):
    """x [BLOCK_K/8, 8] (row k = 8 * r + j) against one tile of W lying in one group: each
    packed int32 is read once and unpacked in registers; no reshape, so no data shuffles."""
    q = unpacked_rows(qw_ptr, offs_k8, offs_n, mask_n, N).to(tl.float32)
    scale, zero = group_scale_zero(qz_ptr, sc_ptr, k0 // group_size, offs_n, mask_n, N)
    qx = tl.sum(tl.sum(q * x[:, :, None], axis=1), axis=0)
    return (qx - tl.sum(tl.sum(x, axis=1), axis=0) * zero) * scale


def triton_dtype(dtype: torch.dtype) -> tl.dtype:
    """The Triton dtype of the model's activations, for a kernel to round to as it rounds."""
    return {torch.bfloat16: tl.bfloat16, torch.float16: tl.float16, torch.float32: tl.float32}[
        dtype
    ]
