"""The MoE layer at decode: route on the GPU, then read only the chosen experts' weights.

Three launches for a token: `route_topk` (softmax, top-k, renormalise in one program),
`moe_gate_up` (gate and up of each chosen expert, SiLU(gate) * up fused), and `moe_down`
(down of each chosen expert, scaled by its routing weight and added into an fp32 buffer with
atomics). Every shape is fixed, so the three are captured in the decode graph.
"""

from __future__ import annotations

import torch
import triton
import triton.language as tl

from qwen_tui.engine.kernels.fused_moe import Int4Experts
from qwen_tui.engine.kernels.int4_gemv import gemv_block_k


@triton.jit
def _route_kernel(
    logits_ptr,
    ids_ptr,
    weights_ptr,
    E,
    TOP_K: tl.constexpr,
    E_PAD: tl.constexpr,
    NORMALIZE: tl.constexpr,
):
    row = tl.program_id(0)
    offs = tl.arange(0, E_PAD)
    logits = tl.load(logits_ptr + row * E + offs, mask=offs < E, other=float("-inf"))
    logits = logits.to(tl.float32)
    probs = tl.exp(logits - tl.max(logits, axis=0))
    probs = probs / tl.sum(probs, axis=0)
    total = 0.0
    for i in tl.static_range(TOP_K):
        best = tl.max(probs, axis=0)
        index = tl.min(tl.where(probs == best, offs, E_PAD), axis=0)  # lowest index on ties
        tl.store(ids_ptr + row * TOP_K + i, index)
        tl.store(weights_ptr + row * TOP_K + i, best)
        total += best
        probs = tl.where(offs == index, -1.0, probs)
    if NORMALIZE:
        w_offs = tl.arange(0, TOP_K)
        w = tl.load(weights_ptr + row * TOP_K + w_offs)
        tl.store(weights_ptr + row * TOP_K + w_offs, w / total)


@triton.jit
def _dot_tile(
    x,
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
    """sum_k x[k] * W[k0 + k, offs_n] for one tile lying in one group -> [BLOCK_N] fp32."""
    shifts = tl.arange(0, 8) * 4
    offs_k8 = k0 // 8 + tl.arange(0, BLOCK_K // 8)
    packed = tl.load(qw_ptr + offs_k8[:, None] * N + offs_n[None, :], mask=mask_n[None, :], other=0)
    q = tl.reshape((packed[:, None, :] >> shifts[None, :, None]) & 0xF, (BLOCK_K, BLOCK_N))
    group = k0 // group_size
    scale = tl.load(sc_ptr + group * N + offs_n, mask=mask_n, other=0.0).to(tl.float32)
    zp = tl.load(qz_ptr + group * (N // 8) + offs_n // 8, mask=mask_n, other=0)
    zero = (((zp >> ((offs_n % 8) * 4)) & 0xF) + 1).to(tl.float32)
    dot = tl.sum(x[:, None] * q.to(tl.float32), axis=0)
    return (dot - tl.sum(x, axis=0) * zero) * scale


@triton.jit
def _gate_up_kernel(
    x_ptr,
    ids_ptr,
    act_ptr,
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
    stride_qw,
    stride_qz,
    stride_sc,
    BLOCK_N: tl.constexpr,
    BLOCK_K: tl.constexpr,
):
    pair = tl.program_id(0)
    offs_n = tl.program_id(1) * BLOCK_N + tl.arange(0, BLOCK_N)
    mask_n = offs_n < N
    expert = tl.load(ids_ptr + pair).to(tl.int64)
    token = pair // top_k
    gate = tl.zeros((BLOCK_N,), tl.float32)
    up = tl.zeros((BLOCK_N,), tl.float32)
    for k0 in range(0, K, BLOCK_K):
        x = tl.load(x_ptr + token * K + k0 + tl.arange(0, BLOCK_K)).to(tl.float32)
        gate += _dot_tile(
            x,
            g_qw + expert * stride_qw,
            g_qz + expert * stride_qz,
            g_sc + expert * stride_sc,
            k0,
            offs_n,
            mask_n,
            N,
            group_size,
            BLOCK_K,
            BLOCK_N,
        )
        up += _dot_tile(
            x,
            u_qw + expert * stride_qw,
            u_qz + expert * stride_qz,
            u_sc + expert * stride_sc,
            k0,
            offs_n,
            mask_n,
            N,
            group_size,
            BLOCK_K,
            BLOCK_N,
        )
    act = gate / (1.0 + tl.exp(-gate)) * up
    tl.store(act_ptr + pair * N + offs_n, act.to(act_ptr.dtype.element_ty), mask=mask_n)


@triton.jit
def _down_kernel(
    act_ptr,
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
    stride_qw,
    stride_qz,
    stride_sc,
    BLOCK_N: tl.constexpr,
    BLOCK_K: tl.constexpr,
):
    pair = tl.program_id(0)
    offs_n = tl.program_id(1) * BLOCK_N + tl.arange(0, BLOCK_N)
    mask_n = offs_n < N
    expert = tl.load(ids_ptr + pair).to(tl.int64)
    acc = tl.zeros((BLOCK_N,), tl.float32)
    for k0 in range(0, K, BLOCK_K):
        a = tl.load(act_ptr + pair * K + k0 + tl.arange(0, BLOCK_K)).to(tl.float32)
        acc += _dot_tile(
            a,
            qw + expert * stride_qw,
            qz + expert * stride_qz,
            sc + expert * stride_sc,
            k0,
            offs_n,
            mask_n,
            N,
            group_size,
            BLOCK_K,
            BLOCK_N,
        )
    acc *= tl.load(weights_ptr + pair)
    tl.atomic_add(out_ptr + (pair // top_k) * N + offs_n, acc, mask=mask_n)


def route_topk(
    logits: torch.Tensor, top_k: int, normalize: bool, ids: torch.Tensor, weights: torch.Tensor
) -> None:
    """logits [T, E] -> ids [T, k] int32 and weights [T, k] fp32, written in place."""
    T, E = logits.shape
    _route_kernel[(T,)](
        logits, ids, weights, E, TOP_K=top_k, E_PAD=triton.next_power_of_2(E), NORMALIZE=normalize
    )


def moe_decode_into(
    x: torch.Tensor,
    ids: torch.Tensor,
    weights: torch.Tensor,
    gate: Int4Experts,
    up: Int4Experts,
    down: Int4Experts,
    act: torch.Tensor,
    out: torch.Tensor,
) -> None:
    """out [T, H] fp32 += the MoE output for x [T, H], using `act` [T*k, I] as scratch."""
    pairs, top_k = ids.numel(), ids.shape[-1]
    inter, hidden = gate.out_features, down.out_features
    block_k = gemv_block_k(gate.group_size)
    _gate_up_kernel[(pairs, triton.cdiv(inter, 32))](
        x,
        ids,
        act,
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
        gate.qweight.stride(0),
        gate.qzeros.stride(0),
        gate.scales.stride(0),
        BLOCK_N=32,
        BLOCK_K=block_k,
    )
    _down_kernel[(pairs, triton.cdiv(hidden, 64))](
        act,
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
        down.qweight.stride(0),
        down.qzeros.stride(0),
        down.scales.stride(0),
        BLOCK_N=64,
        BLOCK_K=gemv_block_k(down.group_size),
    )
