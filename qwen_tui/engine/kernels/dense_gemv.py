"""Decode-time y += x @ W.T for a 16-bit W kept as nn.Linear keeps it ([N, K]).

For the small dense projections of the decode step (the MoE router: 128 x 2048), where a
library GEMV leaves most SMs idle: K is split across programs and the partial sums meet in
an fp32 buffer through atomics, like the int4 GEMV (`int4_gemv.py`).
"""

from __future__ import annotations

import torch
import triton
import triton.language as tl

from qwen_tui.engine.kernels.int4_gemv import TARGET_PROGRAMS


@triton.jit
def _dense_gemv_kernel(
    x_ptr, w_ptr, out_ptr, N, K, k_per_split, BLOCK_N: tl.constexpr, BLOCK_K: tl.constexpr
):
    offs_n = tl.program_id(0) * BLOCK_N + tl.arange(0, BLOCK_N)
    mask_n = offs_n < N
    k_lo = tl.program_id(1) * k_per_split
    acc = tl.zeros((BLOCK_N,), dtype=tl.float32)
    for k0 in range(k_lo, tl.minimum(k_lo + k_per_split, K), BLOCK_K):
        offs_k = k0 + tl.arange(0, BLOCK_K)
        mask_k = offs_k < K
        w = tl.load(
            w_ptr + offs_n[:, None] * K + offs_k[None, :],
            mask=mask_n[:, None] & mask_k[None, :],
            other=0.0,
        )
        x = tl.load(x_ptr + offs_k, mask=mask_k, other=0.0)
        acc += tl.sum(w.to(tl.float32) * x.to(tl.float32)[None, :], axis=1)
    tl.atomic_add(out_ptr + offs_n, acc, mask=mask_n)


def dense_gemv_into(x: torch.Tensor, weight: torch.Tensor, out: torch.Tensor) -> None:
    """out [1, N] (fp32) += x [1, K] @ weight [N, K].T."""
    N, K = weight.shape
    block_n, block_k = 16, 256
    n_blocks = triton.cdiv(N, block_n)
    splits = max(1, min(triton.cdiv(K, block_k), TARGET_PROGRAMS // n_blocks))
    per_split = triton.cdiv(triton.cdiv(K, splits), block_k) * block_k
    _dense_gemv_kernel[(n_blocks, triton.cdiv(K, per_split))](
        x, weight, out, N, K, per_split, BLOCK_N=block_n, BLOCK_K=block_k, num_warps=2
    )
