"""Decode-time y += x @ W for GPTQ int4 W with groups in order (desc_act false).

The memory-bound case: one or a few rows against a whole weight. Each program reads a tile of
packed int32 once and unpacks it with shifts in registers; within a tile all rows share one
group, so the zero point and the scale are applied once per column after the reduction:
sum_k x_k (q_k - z) s = s (sum_k x_k q_k - z sum_k x_k). K is split across programs so that
even a 2048x512 projection keeps every SM streaming; partial sums meet in an fp32 buffer
through atomics, and the buffer's consumer zeroes it again (see `norms.py`).
"""

from __future__ import annotations

import torch
import triton
import triton.language as tl

TARGET_PROGRAMS = 264  # two per SM on an H100


@triton.jit
def _gemv_kernel(
    x_ptr,
    qw_ptr,
    qz_ptr,
    sc_ptr,
    out_ptr,
    M,
    N,
    K,
    group_size,
    k_per_split,
    stride_out,
    BLOCK_M: tl.constexpr,
    BLOCK_N: tl.constexpr,
    BLOCK_K: tl.constexpr,
):
    pid_n = tl.program_id(0)
    pid_k = tl.program_id(1)
    offs_m = tl.arange(0, BLOCK_M)
    offs_n = pid_n * BLOCK_N + tl.arange(0, BLOCK_N)
    mask_m = offs_m < M
    mask_n = offs_n < N
    shifts = tl.arange(0, 8) * 4
    acc = tl.zeros((BLOCK_M, BLOCK_N), dtype=tl.float32)
    k_start = pid_k * k_per_split
    for k0 in range(k_start, tl.minimum(k_start + k_per_split, K), BLOCK_K):
        offs_k8 = k0 // 8 + tl.arange(0, BLOCK_K // 8)
        packed = tl.load(
            qw_ptr + offs_k8[:, None] * N + offs_n[None, :], mask=mask_n[None, :], other=0
        )
        q = (packed[:, None, :] >> shifts[None, :, None]) & 0xF
        q = tl.reshape(q, (BLOCK_K, BLOCK_N)).to(tl.float32)
        x = tl.load(
            x_ptr + offs_m[:, None] * K + k0 + tl.arange(0, BLOCK_K)[None, :],
            mask=mask_m[:, None],
            other=0.0,
        ).to(tl.float32)
        group = k0 // group_size
        scale = tl.load(sc_ptr + group * N + offs_n, mask=mask_n, other=0.0).to(tl.float32)
        zp = tl.load(qz_ptr + group * (N // 8) + offs_n // 8, mask=mask_n, other=0)
        zero = (((zp >> ((offs_n % 8) * 4)) & 0xF) + 1).to(tl.float32)
        dot = tl.sum(x[:, :, None] * q[None, :, :], axis=1)
        x_sum = tl.sum(x, axis=1)
        acc += (dot - x_sum[:, None] * zero[None, :]) * scale[None, :]
    out = out_ptr + offs_m[:, None] * stride_out + offs_n[None, :]
    tl.atomic_add(out, acc, mask=mask_m[:, None] & mask_n[None, :])


def gemv_block_k(group_size: int) -> int:
    """Tile depth: one group per tile, at most 128 rows."""
    return min(128, group_size)


def int4_gemv_into(
    x: torch.Tensor,
    qweight: torch.Tensor,
    qzeros: torch.Tensor,
    scales: torch.Tensor,
    group_size: int,
    out: torch.Tensor,
) -> None:
    """out [M, N] (fp32, may be a column slice of a wider buffer) += x [M, K] @ W."""
    M, K = x.shape
    N = qweight.shape[1]
    block_n, block_k = 64, gemv_block_k(group_size)
    if K % block_k or group_size % block_k:
        raise ValueError(f"K={K} and group size {group_size} must be multiples of {block_k}")
    n_blocks = triton.cdiv(N, block_n)
    k_blocks = K // block_k
    splits = max(1, min(k_blocks, TARGET_PROGRAMS // n_blocks))
    k_per_split = triton.cdiv(k_blocks, splits) * block_k
    splits = triton.cdiv(K, k_per_split)
    _gemv_kernel[(n_blocks, splits)](
        x,
        qweight,
        qzeros,
        scales,
        out,
        M,
        N,
        K,
        group_size,
        k_per_split,
        out.stride(0),
        BLOCK_M=max(1, triton.next_power_of_2(M)),
        BLOCK_N=block_n,
        BLOCK_K=block_k,
    )
