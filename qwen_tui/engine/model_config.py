"""A checkpoint's config.json as transformers' configuration class (for transformers' own
tree, and the defaults and scaled RoPE of `model_shape.py`), and what its weights will
weigh, both without transformers' modeling code (importing that costs seconds)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import torch
from transformers import PretrainedConfig

from qwen_tui.chat.model_card import NATIVE_CONTEXT
from qwen_tui.engine.gptq.quant_config import GPTQConfig
from qwen_tui.engine.gptq.runner_skeleton import RunnerCausalLM
from qwen_tui.engine.gptq.skeleton import config_class, tie_embeddings

if TYPE_CHECKING:
    from qwen_tui.engine.model_shape import ModelShape


def transformers_config(raw: dict[str, Any], yarn_factor: float | None) -> PretrainedConfig:
    """transformers' config (`Qwen3Config` or `Qwen3MoeConfig`), without the quantization
    entry (we load that ourselves) and with YaRN rope scaling when asked for."""
    values = {k: v for k, v in raw.items() if k != "quantization_config"}
    if yarn_factor is not None:
        values["rope_scaling"] = {
            "rope_type": "yarn",
            "factor": float(yarn_factor),
            "original_max_position_embeddings": NATIVE_CONTEXT,
        }
        values.pop("rope_parameters", None)
        values["max_position_embeddings"] = int(NATIVE_CONTEXT * yarn_factor)
    config = config_class(raw["model_type"]).from_dict(values)
    config._attn_implementation = "sdpa"
    return config


def estimated_weight_bytes(config: ModelShape, gptq: GPTQConfig | None, dtype: torch.dtype) -> int:
    """Weight bytes from the config alone: int4 layers at ~4.25 bits per weight."""
    with torch.device("meta"):
        dense = RunnerCausalLM(config)  # transformers' tensors, without its modeling code
        tie_embeddings(dense)
    total = 0
    for name, tensor in dense.named_parameters():
        quantizable = gptq is not None and "embed" not in name and "lm_head" not in name
        if quantizable and tensor.dim() >= 2:
            total += tensor.numel() * 17 // 32
        else:
            total += tensor.numel() * torch.finfo(dtype).bits // 8
    return total
