"""Plain views of a loaded model's weights, in the shapes the runner's ops expect.

The tensors are the loaded model's own (no copies), gathered once so the decode step walks
flat lists instead of nn.Module attributes.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch

from qwen_tui.engine.kernels.fused_moe import Int4Experts


@dataclass(frozen=True)
class Int4Weight:
    """A GPTQ int4 linear layer in the published layout; `g_idx` None when desc_act is off."""

    qweight: torch.Tensor  # [K/8, N] int32
    qzeros: torch.Tensor  # [K/G, N/8] int32
    scales: torch.Tensor  # [K/G, N]
    g_idx: torch.Tensor | None  # [K] int32
    group_size: int
    bias: torch.Tensor | None = None


Linear = Int4Weight | torch.Tensor  # a dense weight is [N, K], as nn.Linear keeps it


@dataclass(frozen=True)
class DenseExperts:
    """Unquantized experts as transformers stacks them: [E, 2I, H] and [E, H, I]."""

    gate_up: torch.Tensor
    down: torch.Tensor


@dataclass(frozen=True)
class QuantExperts:
    gate: Int4Experts
    up: Int4Experts
    down: Int4Experts

    @property
    def ordered(self) -> bool:
        """True when no projection reorders its groups (desc_act off): the kernels' case."""
        return all(p.g_idx is None for p in (self.gate, self.up, self.down))


@dataclass(frozen=True)
class DenseMlp:
    gate: Linear
    up: Linear
    down: Linear


@dataclass(frozen=True)
class MoeMlp:
    router: Linear  # [E, H] logits
    experts: QuantExperts | DenseExperts
    top_k: int
    normalize: bool


@dataclass(frozen=True)
class LayerWeights:
    input_norm: torch.Tensor
    q: Linear
    k: Linear
    v: Linear
    o: Linear
    q_norm: torch.Tensor
    k_norm: torch.Tensor
    post_norm: torch.Tensor
    mlp: MoeMlp | DenseMlp


@dataclass(frozen=True)
class ModelWeights:
    embed: torch.Tensor  # [V, H]
    layers: tuple[LayerWeights, ...]
    final_norm: torch.Tensor
    lm_head: torch.Tensor  # [V, H]
    num_heads: int
    num_kv_heads: int
    head_dim: int
    rms_eps: float
    rotary: torch.nn.Module  # the model's own rotary embedding (default, YaRN, ...)
