"""The modules that stand in for transformers' Linear, router and experts on int4 weights.

Their buffers carry the checkpoint's names (`qweight`, `qzeros`, `scales`, `g_idx`), so a
loaded model's state dict reads like the checkpoint. Experts keep one `StackedInt4` per
projection (`gate_proj`, `up_proj`, `down_proj`), each expert's tensors stacked along a
leading dim. Each forward is the reference dequantize-then-matmul (`matmul`); the fast GPU
path reads these same buffers (and never imports transformers' activations, which the
reference forward takes on first use).
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cache
from typing import Any

import torch
from torch import nn

from qwen_tui.engine.gptq.format import PACK, PackedInt4
from qwen_tui.engine.gptq.reference import matmul_int4

Matmul = Callable[[torch.Tensor, PackedInt4], torch.Tensor]

ModuleTree = Any
"""A part of transformers' module tree: its attributes are found by name at run time,
which no static type describes."""


class QuantLinear(nn.Module):
    """y = x @ W (+ bias) for a GPTQ int4 W of shape [in_features, out_features]."""

    matmul: Matmul = staticmethod(matmul_int4)
    qweight: torch.Tensor  # buffers `_register_int4` registers
    qzeros: torch.Tensor
    scales: torch.Tensor
    g_idx: torch.Tensor
    bias: torch.Tensor | None

    def __init__(
        self,
        in_features: int,
        out_features: int,
        group_size: int,
        bias: bool = False,
        dtype: torch.dtype = torch.float16,
    ) -> None:
        super().__init__()
        self.in_features, self.out_features, self.group_size = in_features, out_features, group_size
        _register_int4(self, (), in_features, out_features, group_size)
        self.register_buffer("bias", torch.empty(out_features, dtype=dtype) if bias else None)

    def packed(self) -> PackedInt4:
        return PackedInt4(self.qweight, self.qzeros, self.scales, self.g_idx)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        y = self.matmul(x, self.packed())
        return y if self.bias is None else y + self.bias.to(y.dtype)


class StackedInt4(nn.Module):
    """One projection of every expert: qweight [E, K/8, N], qzeros [E, K/G, N/8], ..."""

    qweight: torch.Tensor  # buffers `_register_int4` registers
    qzeros: torch.Tensor
    scales: torch.Tensor
    g_idx: torch.Tensor

    def __init__(
        self, num_experts: int, in_features: int, out_features: int, group_size: int
    ) -> None:
        super().__init__()
        self.in_features, self.out_features, self.group_size = in_features, out_features, group_size
        _register_int4(self, (num_experts,), in_features, out_features, group_size)

    def packed(self, expert: int) -> PackedInt4:
        return PackedInt4(
            self.qweight[expert], self.qzeros[expert], self.scales[expert], self.g_idx[expert]
        )


class QuantRouter(QuantLinear):
    """Qwen3-MoE's top-k router (`mlp.gate`) when the checkpoint quantized it too."""

    def __init__(self, config: ModuleTree, group_size: int) -> None:
        super().__init__(config.hidden_size, config.num_experts, group_size)
        self.top_k = config.num_experts_per_tok
        self.norm_topk_prob = config.norm_topk_prob

    def forward(  # type: ignore[override]  # transformers' router returns three tensors
        self, hidden_states: torch.Tensor
    ) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        hidden_states = hidden_states.reshape(-1, self.in_features)
        logits = self.matmul(hidden_states, self.packed())
        probs = torch.softmax(logits, dim=-1, dtype=torch.float)
        top_values, top_index = torch.topk(probs, self.top_k, dim=-1)
        if self.norm_topk_prob:
            top_values /= top_values.sum(dim=-1, keepdim=True)
        return logits, top_values.to(logits.dtype), top_index


class QuantExperts(nn.Module):
    """Qwen3-MoE experts on int4 weights; same call as transformers' `Qwen3MoeExperts`."""

    matmul: Matmul = staticmethod(matmul_int4)

    def __init__(self, config: ModuleTree, group_size_for: Callable[[int], int]) -> None:
        super().__init__()
        experts, hidden, inter = (
            config.num_experts,
            config.hidden_size,
            config.moe_intermediate_size,
        )
        self.num_experts = experts
        self.gate_proj = StackedInt4(experts, hidden, inter, group_size_for(hidden))
        self.up_proj = StackedInt4(experts, hidden, inter, group_size_for(hidden))
        self.down_proj = StackedInt4(experts, inter, hidden, group_size_for(inter))
        self.hidden_act: str = config.hidden_act

    def forward(
        self, hidden_states: torch.Tensor, top_k_index: torch.Tensor, top_k_weights: torch.Tensor
    ) -> torch.Tensor:
        """hidden_states [T, H], top_k_index / top_k_weights [T, k] -> [T, H]."""
        act = activation(self.hidden_act)
        out = torch.zeros_like(hidden_states)
        mask = nn.functional.one_hot(top_k_index, self.num_experts).permute(2, 1, 0)  # [E, k, T]
        for expert in mask.sum(dim=(1, 2)).nonzero().flatten().tolist():
            slot, token = torch.where(mask[expert])
            x = hidden_states[token]
            gate = self.matmul(x, self.gate_proj.packed(expert))
            up = self.matmul(x, self.up_proj.packed(expert))
            y = self.matmul(act(gate) * up, self.down_proj.packed(expert))
            out.index_add_(0, token, (y * top_k_weights[token, slot, None]).to(out.dtype))
        return out


@cache
def activation(name: str) -> Callable[[torch.Tensor], torch.Tensor]:
    """transformers' activation function `name` (the one its own experts apply)."""
    from transformers.activations import ACT2FN

    function: Callable[[torch.Tensor], torch.Tensor] = ACT2FN[name]
    return function


def _register_int4(module: nn.Module, lead: tuple[int, ...], k: int, n: int, group: int) -> None:
    if k % PACK or n % PACK or k % group:
        raise ValueError(f"int4 layer {k}x{n} does not fit group size {group} and 8-value packing")
    groups = k // group
    module.register_buffer("qweight", torch.empty(*lead, k // PACK, n, dtype=torch.int32))
    module.register_buffer("qzeros", torch.empty(*lead, groups, n // PACK, dtype=torch.int32))
    module.register_buffer("scales", torch.empty(*lead, groups, n, dtype=torch.float16))
    module.register_buffer("g_idx", torch.empty(*lead, k, dtype=torch.int32))
