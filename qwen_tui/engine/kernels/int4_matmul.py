"""y = x @ W for GPTQ int4 W, dequantized in registers: the dense projections (q, k, v, o).

W is read in the published GPTQ layout, with no repacking: `qweight [K/8, N]` int32 (eight
4-bit rows packed along K, lowest bits first), `qzeros [K/G, N/8]`, `scales [K/G, N]`, and
`g_idx [K]` when desc_act reorders the groups. The stored zero is the real zero minus one.

At decode sizes (a few rows) each program reduces with a broadcast multiply instead of
`tl.dot`, and K is split across programs so that a 2048x512 projection still keeps every SM
streaming; partial sums meet in an fp32 buffer through atomics. From DEQUANT_ROWS rows on,
W is dequantized whole and cuBLAS multiplies (`int4_dequant.py`).
"""

from __future__ import annotations

import torch
import triton
import triton.language as tl

from qwen_tui.engine.kernels.gptq_tiles import dequant_tile, dequant_tile_ordered
from qwen_tui.engine.kernels.int4_dequant import dequantize_int4_triton
from qwen_tui.engine.kernels.tuned_tiles import tuned_or_fitting
from qwen_tui.engine.kernels.tuning import prefill_configs

# Rows from which W is dequantized whole and cuBLAS multiplies; None keeps every prompt on
# the in-register kernels. H100, 48 layers (`prefill_speed.py`): a 1,024-token prefill 70.8
# -> 37.0 ms, 4,096 tokens 127.6 -> 108.9 ms against 128-row in-register tiles.
DEQUANT_ROWS: int | None = 1024


@triton.jit(do_not_specialize=["M"])  # one binary for every prompt length
def _int4_matmul_kernel(
    x_ptr,
    qw_ptr,
    qz_ptr,
    sc_ptr,
    gidx_ptr,
    out_ptr,
    M,
    N,
    K,
    group_size,
    k_per_split,
    BLOCK_M: tl.constexpr,
    BLOCK_N: tl.constexpr,
    BLOCK_K: tl.constexpr,
    HAS_GIDX: tl.constexpr,
    USE_DOT: tl.constexpr,
    ATOMIC: tl.constexpr,
    ORDERED: tl.constexpr,
):
    pid_n = tl.program_id(0)
    pid_k = tl.program_id(1)
    pid_m = tl.program_id(2)
    offs_m = pid_m * BLOCK_M + tl.arange(0, BLOCK_M)
    offs_n = pid_n * BLOCK_N + tl.arange(0, BLOCK_N)
    mask_m = offs_m < M
    mask_n = offs_n < N
    acc = tl.zeros((BLOCK_M, BLOCK_N), dtype=tl.float32)
    k_start = pid_k * k_per_split
    for k0 in range(k_start, k_start + k_per_split, BLOCK_K):
        offs_k = k0 + tl.arange(0, BLOCK_K)
        mask_k = offs_k < K
        if ORDERED:
            w = dequant_tile_ordered(
                qw_ptr, qz_ptr, sc_ptr, k0, offs_n, mask_n, N, group_size, BLOCK_K, BLOCK_N
            )
        else:
            w = dequant_tile(
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
                HAS_GIDX,
            )
        x = tl.load(
            x_ptr + offs_m[:, None] * K + offs_k[None, :],
            mask=mask_m[:, None] & mask_k[None, :],
            other=0.0,
        )
        if USE_DOT:
            acc += tl.dot(x, w.to(x.dtype))
        else:
            acc += tl.sum(x.to(tl.float32)[:, :, None] * w[None, :, :], axis=1)
    out = out_ptr + offs_m[:, None] * N + offs_n[None, :]
    mask = mask_m[:, None] & mask_n[None, :]
    if ATOMIC:
        tl.atomic_add(out, acc, mask=mask)
    else:
        tl.store(out, acc.to(out_ptr.dtype.element_ty), mask=mask)


_int4_matmul_prefill = triton.autotune(
    configs=prefill_configs(with_block_m=64),
    key=["N", "K", "ORDERED"],
    prune_configs_by={"early_config_prune": tuned_or_fitting("int4_matmul", ("N", "K"))},
    cache_results=True,
)(_int4_matmul_kernel)


def int4_matmul(
    x: torch.Tensor,
    qweight: torch.Tensor,
    qzeros: torch.Tensor,
    scales: torch.Tensor,
    g_idx: torch.Tensor | None,
    group_size: int,
) -> torch.Tensor:
    """x [..., K] @ dequantized W [K, N] -> [..., N] in x's dtype.

    `g_idx` is None when groups follow K in order (desc_act false), the fast case.
    `group_size` is K for per-column quantization (group size -1 in the config).
    """
    K, N = qweight.shape[0] * 8, qweight.shape[1]
    x2 = x.reshape(-1, K).contiguous()
    M = x2.shape[0]
    if DEQUANT_ROWS is not None and M >= DEQUANT_ROWS:
        w = dequantize_int4_triton(qweight, qzeros, scales, g_idx, group_size, x.dtype)
        return (x2 @ w).reshape(*x.shape[:-1], N)
    gidx = g_idx if g_idx is not None else qweight  # a placeholder pointer when unused
    if M > 8 and g_idx is None:  # prefill, groups in order: autotuned tiles
        out = torch.empty(M, N, device=x.device, dtype=x.dtype)

        def grid(meta):
            return (triton.cdiv(N, meta["BLOCK_N"]), 1, triton.cdiv(M, meta["BLOCK_M"]))

        _int4_matmul_prefill[grid](
            x2,
            qweight,
            qzeros,
            scales,
            gidx,
            out,
            M,
            N,
            K,
            group_size,
            K,
            HAS_GIDX=False,
            USE_DOT=True,
            ATOMIC=False,
            ORDERED=True,
        )
        return out.reshape(*x.shape[:-1], N)
    if M <= 8:  # a few rows: memory-bound, split K for parallelism
        block_m, block_n, block_k = triton.next_power_of_2(M), 64, 64
        splits = max(1, min(K // 256, 8 if N >= 2048 else 16))
        use_dot = False
    else:  # prefill with desc_act: per-row groups
        block_m, block_n, block_k, splits, use_dot = 64, 128, 64, 1, True
    k_per_split = triton.cdiv(triton.cdiv(K, splits), block_k) * block_k
    splits = triton.cdiv(K, k_per_split)
    atomic = splits > 1
    out = (
        torch.zeros(M, N, device=x.device, dtype=torch.float32)
        if atomic
        else torch.empty(M, N, device=x.device, dtype=x.dtype)
    )
    tile_grid = (triton.cdiv(N, block_n), splits, triton.cdiv(M, block_m))
    _int4_matmul_kernel[tile_grid](
        x2,
        qweight,
        qzeros,
        scales,
        gidx,
        out,
        M,
        N,
        K,
        group_size,
        k_per_split,
        BLOCK_M=block_m,
        BLOCK_N=block_n,
        BLOCK_K=block_k,
        HAS_GIDX=g_idx is not None,
        USE_DOT=use_dot,
        ATOMIC=atomic,
        ORDERED=g_idx is None and K % block_k == 0 and group_size % block_k == 0,
    )
    return out.to(x.dtype).reshape(*x.shape[:-1], N)
