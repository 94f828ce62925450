"""The reference int4 matmul: dequantize in float32, then an ordinary matmul.

It runs anywhere (the CPU included) and defines the numbers the GPU kernels must match.
`QuantLinear.matmul` points here; a faster kernel with the same signature can replace it.
"""

from __future__ import annotations

import torch

from qwen_tui.engine.gptq.format import PackedInt4, dequantize


def matmul_int4(x: torch.Tensor, weight: PackedInt4) -> torch.Tensor:
    """x [..., K] @ W [K, N] -> [..., N] in x's dtype."""
    return x @ dequantize(weight, x.dtype)
