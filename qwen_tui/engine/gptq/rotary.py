"""Rotary position embeddings for the project's own module tree: the cos and sin tables
of transformers' `Qwen3MoeRotaryEmbedding`, from the same frequencies.

The frequencies of a scaled RoPE (YaRN for `--yarn-factor`) come from transformers'
`ROPE_INIT_FUNCTIONS`, a light module that imports no modeling code, given the transformers
config the shape keeps for it; the plain RoPE is the one-line formula transformers' Qwen3
classes carry themselves.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import torch
from torch import nn

if TYPE_CHECKING:
    from qwen_tui.engine.model_shape import ModelShape

OWN_ROPE_TYPES = ("default", "yarn")
"""The RoPE types whose frequencies are fixed at load time: the ones this module computes.
(Dynamic types recompute them as the sequence grows, in transformers' forward.)"""


class RotaryEmbedding(nn.Module):
    """`rotary(x, position_ids)` -> (cos, sin), each [batch, positions, head_dim] in x's
    dtype, scaled by the RoPE type's attention factor, as transformers computes them."""

    inv_freq: torch.Tensor
    original_inv_freq: torch.Tensor

    def __init__(self, config: ModelShape) -> None:
        super().__init__()
        device = torch.get_default_device()
        # In a skeleton on the meta device, computed on the CPU: a meta `arange` imports
        # torch._dynamo (1.4 s here on a CPU); the loader builds them again on the real device.
        with torch.device("cpu" if device.type == "meta" else device):
            inv_freq, self.attention_scaling = rope_frequencies(config)
        inv_freq = inv_freq.to(device)
        self.register_buffer("inv_freq", inv_freq, persistent=False)
        # Unused by the runner; kept so the tree's buffers match transformers' one for one.
        self.register_buffer("original_inv_freq", inv_freq.clone(), persistent=False)

    def forward(
        self, x: torch.Tensor, position_ids: torch.Tensor
    ) -> tuple[torch.Tensor, torch.Tensor]:
        inv_freq = self.inv_freq.to(device=x.device, dtype=torch.float)
        freqs = position_ids[..., None].float() * inv_freq
        emb = torch.cat((freqs, freqs), dim=-1)
        cos = emb.cos() * self.attention_scaling
        sin = emb.sin() * self.attention_scaling
        return cos.to(dtype=x.dtype), sin.to(dtype=x.dtype)


def rope_type(config: ModelShape) -> str:
    """The config's RoPE type ("default" when it names none)."""
    kind: str = config.rope_parameters.get("rope_type", "default")
    return kind


def head_size(config: ModelShape) -> int:
    """The attention head size: `head_dim` where the config gives one."""
    return config.head_dim or config.hidden_size // config.num_attention_heads


def rope_frequencies(config: ModelShape) -> tuple[torch.Tensor, float]:
    """(inverse frequencies [head_dim / 2] in float32, attention scaling) for `config`."""
    kind = rope_type(config)
    if kind == "default":
        base = config.rope_parameters["rope_theta"]
        dim = head_size(config)
        exponents = torch.arange(0, dim, 2, dtype=torch.float) / dim
        return 1.0 / (base**exponents), 1.0
    if kind not in OWN_ROPE_TYPES:
        raise ValueError(f"RoPE type {kind!r} is not computed here (only {OWN_ROPE_TYPES})")
    from transformers.modeling_rope_utils import ROPE_INIT_FUNCTIONS

    assert config.scaled_rope is not None  # ModelShape keeps it for every scaled RoPE
    inv_freq, scaling = ROPE_INIT_FUNCTIONS[kind](config.scaled_rope)
    return inv_freq, float(scaling)
