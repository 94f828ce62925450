"""Which weights the decode step's fused kernels take, and what blocks its CUDA graph.

The int4 GEMV takes GPTQ weights with groups in order and no bias; the routed MoE kernels
take quantized experts in order; q, k and v go side by side as one weight when all three
allow it. Anything else falls back to `Ops` (`fast_step.py`).
"""

from __future__ import annotations

from typing import TypeGuard

import torch

from qwen_tui.engine.kernels.int4_gemv import gemv_block_k
from qwen_tui.engine.runner.weights import (
    DenseMlp,
    Int4Weight,
    LayerWeights,
    Linear,
    ModelWeights,
    MoeMlp,
    QuantExperts,
)

__all__ = [
    "fast_moe",
    "fuse_qkv",
    "gemv_ready",
    "graph_blockers",
    "out_features",
    "routed_on_triton",
]


def graph_blockers(w: ModelWeights) -> list[str]:
    """Why the decode step cannot be captured in a CUDA graph (empty when it can): the
    fallbacks for desc_act experts and unquantized experts loop on the host."""
    blockers = []
    for i, layer in enumerate(w.layers):
        if isinstance(layer.mlp, MoeMlp) and not fast_moe(layer.mlp):
            blockers.append(f"layer {i}: experts without the fused kernel (desc_act or 16-bit)")
    return blockers


def fast_moe(mlp: MoeMlp | DenseMlp) -> bool:
    if not (isinstance(mlp, MoeMlp) and isinstance(mlp.experts, QuantExperts)):
        return False
    experts = mlp.experts
    return experts.ordered and all(
        p.group_size % gemv_block_k(p.group_size) == 0
        and p.in_features % gemv_block_k(p.group_size) == 0
        for p in (experts.gate, experts.up, experts.down)
    )


def routed_on_triton(mlp: MoeMlp | DenseMlp) -> bool:
    """Experts on the fused kernels behind the fused router launch (a 16-bit router)."""
    return fast_moe(mlp) and isinstance(mlp, MoeMlp) and isinstance(mlp.router, torch.Tensor)


def out_features(weight: Linear) -> int:
    return weight.qweight.shape[1] if isinstance(weight, Int4Weight) else weight.shape[0]


def gemv_ready(weight: Linear) -> TypeGuard[Int4Weight]:
    if not isinstance(weight, Int4Weight) or weight.g_idx is not None or weight.bias is not None:
        return False
    k, block_k = weight.qweight.shape[0] * 8, gemv_block_k(weight.group_size)
    return k % block_k == 0 and weight.group_size % block_k == 0


def fuse_qkv(layer: LayerWeights) -> Int4Weight | None:
    """q, k and v side by side as one weight (one launch), when all three allow it."""
    parts = [p for p in (layer.q, layer.k, layer.v) if gemv_ready(p)]
    if len(parts) != 3 or len({p.group_size for p in parts}) != 1:
        return None
    return Int4Weight(
        torch.cat([p.qweight for p in parts], dim=1),
        torch.cat([p.qzeros for p in parts], dim=1),
        torch.cat([p.scales for p in parts], dim=1),
        None,
        parts[0].group_size,
    )
