"""The grouped int4 matmul of the MoE: rows sorted by expert, one expert per program.

Each program takes BLOCK_M (token, expert) pairs of one expert (`block_expert`) and a block
of output columns, and reads that expert's GPTQ tiles as published. With GATE_UP it reads
gate and up side by side and writes SiLU(gate) * up; otherwise (down) it scales each row by
its routing weight (MUL_ROUTE). Padding pairs (id == num_pairs) sit at the end of each
expert's run, so a block that starts with one is all padding and returns at once.
`grouped_int4_tuned` lets the autotuner pick the tiles at prefill sizes (`tuning.py`).
"""

from __future__ import annotations

import triton
import triton.language as tl

from qwen_tui.engine.kernels.gptq_tiles import dequant_tile_ordered
from qwen_tui.engine.kernels.tuned_tiles import tuned_or_fitting
from qwen_tui.engine.kernels.tuning import prefill_configs


@triton.jit(do_not_specialize=["num_pairs"])  # one binary for every prompt length
def grouped_int4_kernel(
    x_ptr,
    out_ptr,
    pair_ids_ptr,
    block_expert_ptr,
    route_w_ptr,
    qw_ptr,
    qz_ptr,
    sc_ptr,
    qw2_ptr,
    qz2_ptr,
    sc2_ptr,
    num_pairs,
    N,
    K,
    group_size,
    x_row_div,
    stride_qw,
    stride_qz,
    stride_sc,
    BLOCK_M: tl.constexpr,
    BLOCK_N: tl.constexpr,
    BLOCK_K: tl.constexpr,
    GATE_UP: tl.constexpr,
    USE_DOT: tl.constexpr,
    MUL_ROUTE: tl.constexpr,
):
    pid_m = tl.program_id(0)
    pid_n = tl.program_id(1)
    # Padding sits at the end of each expert's run: a block that starts with it is all padding.
    if tl.load(pair_ids_ptr + pid_m * BLOCK_M) >= num_pairs:
        return
    expert = tl.load(block_expert_ptr + pid_m).to(tl.int64)
    pairs = tl.load(pair_ids_ptr + pid_m * BLOCK_M + tl.arange(0, BLOCK_M))
    mask_m = pairs < num_pairs
    rows = tl.where(mask_m, pairs // x_row_div, 0)
    offs_n = pid_n * BLOCK_N + tl.arange(0, BLOCK_N)
    mask_n = offs_n < N
    qw_ptr += expert * stride_qw
    qz_ptr += expert * stride_qz
    sc_ptr += expert * stride_sc
    if GATE_UP:
        qw2_ptr += expert * stride_qw
        qz2_ptr += expert * stride_qz
        sc2_ptr += expert * stride_sc
    acc = tl.zeros((BLOCK_M, BLOCK_N), dtype=tl.float32)
    acc2 = tl.zeros((BLOCK_M, BLOCK_N), dtype=tl.float32)
    for k0 in range(0, K, BLOCK_K):
        offs_k = k0 + tl.arange(0, BLOCK_K)
        mask_k = offs_k < K
        x = tl.load(
            x_ptr + rows[:, None] * K + offs_k[None, :],
            mask=mask_m[:, None] & mask_k[None, :],
            other=0.0,
        )
        w = dequant_tile_ordered(
            qw_ptr, qz_ptr, sc_ptr, k0, offs_n, mask_n, N, group_size, BLOCK_K, BLOCK_N
        )
        if USE_DOT:
            acc += tl.dot(x, w.to(x.dtype))
        else:
            acc += tl.sum(x.to(tl.float32)[:, :, None] * w[None, :, :], axis=1)
        if GATE_UP:
            w2 = dequant_tile_ordered(
                qw2_ptr, qz2_ptr, sc2_ptr, k0, offs_n, mask_n, N, group_size, BLOCK_K, BLOCK_N
            )
            if USE_DOT:
                acc2 += tl.dot(x, w2.to(x.dtype))
            else:
                acc2 += tl.sum(x.to(tl.float32)[:, :, None] * w2[None, :, :], axis=1)
    if GATE_UP:
        acc = acc / (1.0 + tl.exp(-acc)) * acc2  # SiLU(gate) * up
    if MUL_ROUTE:
        acc *= tl.load(route_w_ptr + pairs, mask=mask_m, other=0.0).to(tl.float32)[:, None]
    out = out_ptr + pairs[:, None] * N + offs_n[None, :]
    tl.store(out, acc.to(out_ptr.dtype.element_ty), mask=mask_m[:, None] & mask_n[None, :])


grouped_int4_tuned = triton.autotune(
    configs=prefill_configs(),
    key=["N", "K", "BLOCK_M", "GATE_UP"],
    prune_configs_by={
        "early_config_prune": tuned_or_fitting("grouped_int4", ("N", "K", "BLOCK_M", "GATE_UP"))
    },
    cache_results=True,
)(grouped_int4_kernel)
