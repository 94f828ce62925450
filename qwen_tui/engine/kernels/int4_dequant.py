"""A GPTQ int4 weight dequantized whole, to 16 bits, for a long prompt's dense projections.

At thousands of rows the q|k|v and o matmuls are compute-bound, and a Triton kernel that
dequantizes in registers reaches about a quarter of Hopper's tensor throughput (NOTES.md,
4k prefill on the H200: 240 TFLOP/s). Writing W once to a 16-bit buffer costs one pass over
its bytes (a few microseconds a layer), after which cuBLAS multiplies at its own speed. The
rounding is the in-register kernel's: W in fp32, then cast to x's dtype, fp32 accumulation.
"""

from __future__ import annotations

import torch
import triton
import triton.language as tl

from qwen_tui.engine.kernels.gptq_tiles import dequant_tile

BLOCK_K, BLOCK_N = 64, 128


@triton.jit
def _dequantize_kernel(
    qw_ptr,
    qz_ptr,
    sc_ptr,
    gidx_ptr,
    out_ptr,
    N,
    K,
    group_size,
    BLOCK_K: tl.constexpr,
    BLOCK_N: tl.constexpr,
    HAS_GIDX: tl.constexpr,
):
    offs_k = tl.program_id(1) * BLOCK_K + tl.arange(0, BLOCK_K)
    offs_n = tl.program_id(0) * BLOCK_N + tl.arange(0, BLOCK_N)
    mask_k, mask_n = offs_k < K, offs_n < N
    w = dequant_tile(
        qw_ptr, qz_ptr, sc_ptr, gidx_ptr, offs_k, offs_n, mask_k, mask_n, N, group_size, HAS_GIDX
    )
    out = out_ptr + offs_k[:, None] * N + offs_n[None, :]
    tl.store(out, w.to(out_ptr.dtype.element_ty), mask=mask_k[:, None] & mask_n[None, :])


def dequantize_int4_triton(
    qweight: torch.Tensor,
    qzeros: torch.Tensor,
    scales: torch.Tensor,
    g_idx: torch.Tensor | None,
    group_size: int,
    dtype: torch.dtype,
) -> torch.Tensor:
    """W [K, N] in `dtype` from the published GPTQ tensors (see `int4_matmul`); on the
    GPU what `runner.ops.dequantize_int4`, the float32 torch reference, computes."""
    K, N = qweight.shape[0] * 8, qweight.shape[1]
    out = torch.empty(K, N, device=qweight.device, dtype=dtype)
    grid = (triton.cdiv(N, BLOCK_N), triton.cdiv(K, BLOCK_K))
    _dequantize_kernel[grid](
        qweight,
        qzeros,
        scales,
        g_idx if g_idx is not None else qweight,  # a placeholder pointer when unused
        out,
        N,
        K,
        group_size,
        BLOCK_K=BLOCK_K,
        BLOCK_N=BLOCK_N,
        HAS_GIDX=g_idx is not None,
    )
    return out
