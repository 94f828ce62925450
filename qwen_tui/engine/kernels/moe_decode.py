"""The MoE layer at decode: route on the GPU, then read only the chosen experts' weights.

Three launches for a token. Routing (`moe_route.py`) picks the experts and clears the
gate/up accumulator. `_gate_up_kernel` reads gate and up of each chosen expert, split along K
into fp32 atomics. `_down_kernel` computes SiLU(gate) * up as it loads it, reads down of each
chosen expert, scales by the routing weight and adds into the layer's fp32 output buffer.
Every shape is fixed, so the three are captured in the decode graph.
"""

from __future__ import annotations

import torch
import triton
import triton.language as tl

from qwen_tui.engine.kernels import launch_overlap
from qwen_tui.engine.kernels.fused_moe import Int4Experts
from qwen_tui.engine.kernels.gptq_tiles import int4_tile_sum, packed_dot, triton_dtype
from qwen_tui.engine.kernels.int4_gemv import gemv_block_k, k_splits
from qwen_tui.engine.kernels.launch_overlap import after_previous_kernel

# Read at each launch, so `runner_speed.py --tiles` can try others (as int4_gemv's). On the
# H200, twice the GEMVs' programs and 128-column tiles decode 5.8% faster at 1k (422.6 tok/s
# against 399.5) and 3.7% at 32k: more of the experts' bytes in flight at once.
TARGET_PROGRAMS = 2112
BLOCK_N = 128
WARPS = 2


@triton.jit
def _gate_up_kernel(
    x_ptr,
    ids_ptr,
    out_ptr,
    g_qw,
    g_qz,
    g_sc,
    u_qw,
    u_qz,
    u_sc,
    N,
    K,
    group_size,
    top_k,
    k_per_split,
    stride_qw,
    stride_qz,
    stride_sc,
    BLOCK_N: tl.constexpr,
    BLOCK_K: tl.constexpr,
    PDL: tl.constexpr,
):
    after_previous_kernel(PDL)  # the experts to read are the routing's output
    pair = tl.program_id(0)
    col = tl.program_id(1)  # gate's column blocks, then up's (each may end part-filled)
    blocks = tl.cdiv(N, BLOCK_N)
    is_up = col >= blocks
    offs_n = (col - tl.where(is_up, blocks, 0)) * BLOCK_N + tl.arange(0, BLOCK_N)
    mask_n = offs_n < N
    expert = tl.load(ids_ptr + pair).to(tl.int64)
    qw = tl.where(is_up, u_qw, g_qw) + expert * stride_qw
    qz = tl.where(is_up, u_qz, g_qz) + expert * stride_qz
    sc = tl.where(is_up, u_sc, g_sc) + expert * stride_sc
    k_lo = tl.program_id(2) * k_per_split
    k_hi = tl.minimum(k_lo + k_per_split, K)
    token = pair // top_k
    acc = int4_tile_sum(
        x_ptr + token * K, qw, qz, sc, k_lo, k_hi, offs_n, mask_n, N, group_size, BLOCK_K, BLOCK_N
    )
    dst = out_ptr + pair * 2 * N + tl.where(is_up, N, 0) + offs_n
    tl.atomic_add(dst, acc, mask=mask_n)


@triton.jit
def _down_kernel(
    gu_ptr,
    ids_ptr,
    weights_ptr,
    out_ptr,
    qw,
    qz,
    sc,
    N,
    K,
    group_size,
    top_k,
    k_per_split,
    stride_qw,
    stride_qz,
    stride_sc,
    act_dtype: tl.constexpr,
    BLOCK_N: tl.constexpr,
    BLOCK_K: tl.constexpr,
    PDL: tl.constexpr,
):
    after_previous_kernel(PDL)
    pair = tl.program_id(0)
    offs_n = tl.program_id(1) * BLOCK_N + tl.arange(0, BLOCK_N)
    mask_n = offs_n < N
    expert = tl.load(ids_ptr + pair).to(tl.int64)
    qw += expert * stride_qw
    qz += expert * stride_qz
    sc += expert * stride_sc
    acc = tl.zeros((BLOCK_N,), dtype=tl.float32)
    k_lo = tl.program_id(2) * k_per_split
    for k0 in range(k_lo, tl.minimum(k_lo + k_per_split, K), BLOCK_K):
        offs_k8 = k0 // 8 + tl.arange(0, BLOCK_K // 8)
        offs_k = offs_k8[:, None] * 8 + tl.arange(0, 8)[None, :]
        # SiLU(gate) * up, rounded where transformers rounds (each op in the model dtype).
        gate = tl.load(gu_ptr + pair * 2 * K + offs_k).to(act_dtype).to(tl.float32)
        up = tl.load(gu_ptr + pair * 2 * K + K + offs_k).to(act_dtype).to(tl.float32)
        silu = (gate / (1.0 + tl.exp(-gate))).to(act_dtype).to(tl.float32)
        a = (silu * up).to(act_dtype).to(tl.float32)
        acc += packed_dot(a, qw, qz, sc, k0, offs_k8, offs_n, mask_n, N, group_size)
    out = acc * tl.load(weights_ptr + pair)
    tl.atomic_add(out_ptr + (pair // top_k) * N + offs_n, out, mask=mask_n)


def moe_decode_into(
    x: torch.Tensor,
    ids: torch.Tensor,
    weights: torch.Tensor,
    gate: Int4Experts,
    up: Int4Experts,
    down: Int4Experts,
    gate_up: torch.Tensor,
    out: torch.Tensor,
) -> None:
    """out [T, H] fp32 += the MoE output for x [T, H]; `gate_up` [T*k, 2I] fp32 must be zero
    (the routing launch clears it)."""
    pairs, top_k = ids.numel(), ids.shape[-1]
    inter, hidden = gate.out_features, down.out_features
    block_k = gemv_block_k(gate.group_size)
    col_blocks = 2 * triton.cdiv(inter, BLOCK_N)
    splits, per_split = k_splits(gate.in_features, block_k, pairs * col_blocks, TARGET_PROGRAMS)
    pdl = launch_overlap.enabled(x.device.type)
    _gate_up_kernel[(pairs, col_blocks, splits)](
        x,
        ids,
        gate_up,
        gate.qweight,
        gate.qzeros,
        gate.scales,
        up.qweight,
        up.qzeros,
        up.scales,
        inter,
        gate.in_features,
        gate.group_size,
        top_k,
        per_split,
        gate.qweight.stride(0),
        gate.qzeros.stride(0),
        gate.scales.stride(0),
        BLOCK_N=BLOCK_N,
        BLOCK_K=block_k,
        PDL=pdl,
        num_warps=WARPS,
        **launch_overlap.launch_options(pdl),
    )
    block_k = gemv_block_k(down.group_size)
    n_blocks = triton.cdiv(hidden, BLOCK_N)
    splits, per_split = k_splits(down.in_features, block_k, pairs * n_blocks, TARGET_PROGRAMS)
    _down_kernel[(pairs, n_blocks, splits)](
        gate_up,
        ids,
        weights,
        out,
        down.qweight,
        down.qzeros,
        down.scales,
        hidden,
        down.in_features,
        down.group_size,
        top_k,
        per_split,
        down.qweight.stride(0),
        down.qzeros.stride(0),
        down.scales.stride(0),
        act_dtype=triton_dtype(x.dtype),
        BLOCK_N=BLOCK_N,
        BLOCK_K=block_k,
        PDL=pdl,
        num_warps=WARPS,
        **launch_overlap.launch_options(pdl),
    )
