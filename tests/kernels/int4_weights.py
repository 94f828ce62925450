"""Random weights quantized by the project's own GPTQ packer, and their float32 reference."""

from __future__ import annotations

import torch

from qwen_tui.engine.gptq.format import PackedInt4, dequantize, quantize
from qwen_tui.engine.kernels.fused_moe import Int4Experts


def int4_weight(
    k: int, n: int, group: int, *, sym: bool = True, desc_act: bool = False, seed: int = 0
) -> tuple[PackedInt4, torch.Tensor]:
    """(packed, W [K, N] float32) for a random nn.Linear weight [N, K]."""
    gen = torch.Generator().manual_seed(seed)
    packed = quantize(
        torch.randn(n, k, generator=gen) * 0.1, group, sym=sym, desc_act=desc_act, generator=gen
    )
    return packed, dequantize(packed)


def int4_experts(e: int, k: int, n: int, group: int, seed: int) -> tuple[Int4Experts, torch.Tensor]:
    """Experts stacked the way the loader stacks them, and their dequantized [E, K, N]."""
    parts = [int4_weight(k, n, group, sym=bool(i % 2), seed=seed * 100 + i) for i in range(e)]
    stack = [
        torch.stack([getattr(p, name) for p, _ in parts])
        for name in ("qweight", "qzeros", "scales")
    ]
    return Int4Experts(*stack, group), torch.stack([w for _, w in parts])


def rel_err(out: torch.Tensor, ref: torch.Tensor) -> float:
    return ((out.float() - ref.float()).norm() / ref.float().norm()).item()
