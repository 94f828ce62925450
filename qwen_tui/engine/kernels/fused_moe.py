"""The Mixture-of-Experts layer on GPTQ int4 experts in two launches, with no host sync.

Tokens are routed (softmax, top-k, renormalised) on the GPU in one launch
(`moe_topk.route_topk`); (token, expert) pairs are sorted by expert and padded per expert
to the block size, so each program of the grouped matmul sees rows of one expert only.
Launch one reads gate and up for those rows and writes SiLU(gate) * up; launch two reads
down and scales each row by its routing weight; a sum over the top-k rows gives the output
(or the next norm sums them, `summed=False`). At decode (one token) every pair is its own
block, so the alignment step disappears and exactly the 8 chosen experts' weights are read.

Expert weights are stacked: qweight [E, K/8, N], qzeros [E, K/G, N/8], scales [E, K/G, N].
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import torch
import triton

from qwen_tui.engine.kernels.grouped_int4 import grouped_int4_kernel, grouped_int4_tuned
from qwen_tui.engine.kernels.moe_align import align_pairs_triton
from qwen_tui.engine.kernels.moe_topk import route_topk
from qwen_tui.engine.kernels.tuning import moe_block_m


@dataclass(frozen=True)
class Int4Experts:
    """One projection of every expert, stacked, in the GPTQ layout (desc_act false)."""

    qweight: torch.Tensor
    qzeros: torch.Tensor
    scales: torch.Tensor
    group_size: int
    g_idx: torch.Tensor | None = None  # [E, K], only when desc_act reorders (no kernel path)

    @property
    def in_features(self) -> int:
        return self.qweight.shape[1] * 8

    @property
    def out_features(self) -> int:
        return self.qweight.shape[2]


def fused_moe(
    hidden: torch.Tensor,
    router_logits: torch.Tensor,
    gate: Int4Experts,
    up: Int4Experts,
    down: Int4Experts,
    top_k: int,
    normalize: bool,
    summed: bool = True,
) -> torch.Tensor:
    """The MoE block's output [T, H] for hidden [T, H] given the router's logits [T, E];
    with `summed` False, its top-k weighted expert outputs [T, k, H] (in token order), for
    the next norm to sum (`norms.add_rmsnorm`) without a launch of its own."""
    T, H = hidden.shape
    num_experts = gate.qweight.shape[0]
    ids = torch.empty(T, top_k, device=hidden.device, dtype=torch.int32)
    weights = torch.empty(T, top_k, device=hidden.device, dtype=torch.float32)
    route_topk(router_logits, top_k, normalize, ids, weights)
    decode = T <= 2
    block_m = 1 if decode else moe_block_m(T, top_k, num_experts)
    if decode:
        pair_ids = torch.arange(T * top_k, device=hidden.device)
        block_expert = ids.reshape(-1)
    else:
        pair_ids, block_expert = align_pairs_triton(ids, num_experts, block_m)
    num_pairs = T * top_k
    inter = gate.out_features
    act = torch.empty(num_pairs, inter, device=hidden.device, dtype=hidden.dtype)
    _launch(
        hidden,
        act,
        pair_ids,
        block_expert,
        weights,
        gate,
        up,
        num_pairs,
        top_k,
        block_m,
        gate_up=True,
    )
    rows = torch.empty(num_pairs, H, device=hidden.device, dtype=hidden.dtype)
    _launch(
        act, rows, pair_ids, block_expert, weights, down, None, num_pairs, 1, block_m, gate_up=False
    )
    per_token = rows.view(T, top_k, H)
    return per_token.sum(dim=1) if summed else per_token


def _launch(
    x,
    out,
    pair_ids,
    block_expert,
    route_weights,
    proj: Int4Experts,
    second: Int4Experts | None,
    num_pairs: int,
    x_row_div: int,
    block_m: int,
    gate_up: bool,
) -> None:
    N, K = proj.out_features, proj.in_features
    use_dot = block_m >= 16
    other = second or proj
    grid: Any  # a function of the autotuner's tiles, or the fixed tiles' grid
    if use_dot:  # prefill: tiles chosen by the autotuner
        kernel, tiles = grouped_int4_tuned, {}

        def tuned_grid(meta: dict[str, int]) -> tuple[int, int]:
            return (pair_ids.numel() // block_m, triton.cdiv(N, meta["BLOCK_N"]))

        grid = tuned_grid
    else:
        kernel = grouped_int4_kernel
        tiles = {"BLOCK_N": 32, "BLOCK_K": min(128, proj.group_size)}
        grid = (pair_ids.numel() // block_m, triton.cdiv(N, 32))
    kernel[grid](
        x,
        out,
        pair_ids,
        block_expert,
        route_weights,
        proj.qweight,
        proj.qzeros,
        proj.scales,
        other.qweight,
        other.qzeros,
        other.scales,
        num_pairs,
        N,
        K,
        proj.group_size,
        x_row_div,
        proj.qweight.stride(0),
        proj.qzeros.stride(0),
        proj.scales.stride(0),
        BLOCK_M=block_m,
        GATE_UP=gate_up,
        USE_DOT=use_dot,
        MUL_ROUTE=not gate_up,
        **tiles,
    )
