"""Gather a loaded transformers Qwen3 / Qwen3-MoE model's weights into `ModelWeights`.

Works on plain modules (unquantized checkpoints) and on the project's GPTQ modules, which
carry `qweight`, `qzeros`, `scales`, `g_idx` and `group_size`.
"""

from __future__ import annotations

from typing import Any

import torch

from qwen_tui.engine.gptq.modules import ModuleTree
from qwen_tui.engine.gptq.rotary import head_size
from qwen_tui.engine.kernels.fused_moe import Int4Experts
from qwen_tui.engine.runner.weights import (
    DenseExperts,
    DenseMlp,
    Int4Weight,
    LayerWeights,
    Linear,
    ModelWeights,
    MoeMlp,
    QuantExperts,
)


def weights_from_model(model: ModuleTree) -> ModelWeights:
    """Views (no copies) of every weight the runner needs from `model` (a *ForCausalLM)."""
    config = model.config
    inner = model.model
    layers = tuple(_layer(layer, config) for layer in inner.layers)
    return ModelWeights(
        embed=inner.embed_tokens.weight,
        layers=layers,
        final_norm=inner.norm.weight,
        lm_head=model.lm_head.weight,
        num_heads=config.num_attention_heads,
        num_kv_heads=config.num_key_value_heads,
        head_dim=head_size(config),
        rms_eps=config.rms_norm_eps,
        rotary=inner.rotary_emb,
    )


def _layer(layer: ModuleTree, config: Any) -> LayerWeights:
    attn = layer.self_attn
    return LayerWeights(
        input_norm=layer.input_layernorm.weight,
        q=_linear(attn.q_proj),
        k=_linear(attn.k_proj),
        v=_linear(attn.v_proj),
        o=_linear(attn.o_proj),
        q_norm=attn.q_norm.weight,
        k_norm=attn.k_norm.weight,
        post_norm=layer.post_attention_layernorm.weight,
        mlp=_mlp(layer.mlp, config),
    )


def _linear(module: ModuleTree) -> Linear:
    if hasattr(module, "qweight"):
        if getattr(module, "bias", None) is not None and not isinstance(module.bias, torch.Tensor):
            raise TypeError(f"unexpected bias on {module}")
        return Int4Weight(
            module.qweight,
            module.qzeros,
            module.scales,
            _g_idx(module),
            module.group_size,
            getattr(module, "bias", None),
        )
    if getattr(module, "bias", None) is not None:
        raise ValueError("the runner expects bias-free projections, as in Qwen3")
    weight: torch.Tensor = module.weight
    return weight


def _g_idx(module: ModuleTree) -> torch.Tensor | None:
    """None when the groups follow the input rows in order, so kernels take the fast path."""
    g_idx = getattr(module, "g_idx", None)
    if g_idx is None:
        return None
    in_order = torch.arange(g_idx.shape[-1], device=g_idx.device) // module.group_size
    return None if bool((g_idx.long() == in_order).all()) else g_idx.int()


def _mlp(mlp: ModuleTree, config: Any) -> MoeMlp | DenseMlp:
    if not hasattr(mlp, "experts"):
        return DenseMlp(_linear(mlp.gate_proj), _linear(mlp.up_proj), _linear(mlp.down_proj))
    experts = mlp.experts
    if hasattr(experts, "gate_up_proj"):
        stacked: QuantExperts | DenseExperts = DenseExperts(experts.gate_up_proj, experts.down_proj)
    else:
        stacked = QuantExperts(*(_int4_experts(experts, name) for name in ("gate", "up", "down")))
    return MoeMlp(_linear(mlp.gate), stacked, config.num_experts_per_tok, config.norm_topk_prob)


def _int4_experts(experts: ModuleTree, name: str) -> Int4Experts:
    proj = getattr(experts, f"{name}_proj")
    return Int4Experts(proj.qweight, proj.qzeros, proj.scales, proj.group_size, _g_idx(proj))
