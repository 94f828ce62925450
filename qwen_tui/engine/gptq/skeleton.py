"""Build a Qwen3 / Qwen3-MoE model on the meta device with int4 modules where the checkpoint
has GPTQ tensors: transformers' classes (whose forward runs anywhere), or the project's own
tree of the same tensors for the fast runner (`runner_skeleton.py`), which spares the start
transformers' modeling code.

Which layers are quantized is read from the checkpoint itself (a `<layer>.qweight` tensor),
not guessed from the config, because published checkpoints differ (the MoE router is plain
in some and quantized in others).
"""

from __future__ import annotations

from collections.abc import Collection
from typing import TYPE_CHECKING

import torch
from torch import nn
from transformers import PretrainedConfig

from qwen_tui.engine.base import EngineFailure
from qwen_tui.engine.events import ErrorKind
from qwen_tui.engine.gptq.modules import ModuleTree, QuantExperts, QuantLinear, QuantRouter
from qwen_tui.engine.gptq.quant_config import GPTQConfig
from qwen_tui.engine.gptq.runner_skeleton import RunnerCausalLM
from qwen_tui.engine.model_needs import MODEL_TYPES

if TYPE_CHECKING:  # importing it imports transformers' modeling code: only where it is used
    from transformers import PreTrainedModel

    from qwen_tui.engine.model_shape import ModelShape


def model_class(model_type: str) -> type[PreTrainedModel]:
    """transformers' causal-LM class for a Qwen3 `model_type`."""
    _check_model_type(model_type)
    if model_type == "qwen3":
        from transformers import Qwen3ForCausalLM

        return Qwen3ForCausalLM
    from transformers import Qwen3MoeForCausalLM

    return Qwen3MoeForCausalLM


def config_class(model_type: str) -> type[PretrainedConfig]:
    """transformers' configuration class for a Qwen3 `model_type` (no modeling code)."""
    _check_model_type(model_type)
    if model_type == "qwen3":
        from transformers import Qwen3Config

        return Qwen3Config
    from transformers import Qwen3MoeConfig

    return Qwen3MoeConfig


def build_skeleton(
    config: ModelShape | PretrainedConfig,
    dtype: torch.dtype,
    gptq: GPTQConfig | None,
    checkpoint_names: Collection[str],
    for_runner: bool = False,
) -> nn.Module:
    """The model on the meta device in `dtype`, its GPTQ layers swapped for int4 modules:
    the project's own tree when `for_runner` (from a ModelShape), else transformers' model
    (from transformers' config)."""
    with torch.device("meta"):
        model: ModuleTree
        if for_runner:
            assert not isinstance(config, PretrainedConfig), "the own tree takes a ModelShape"
            model = RunnerCausalLM(config)
        else:
            assert isinstance(config, PretrainedConfig), "transformers' tree takes its config"
            model = model_class(config.model_type)(config)
        model = model.to(dtype)
        tie_embeddings(model)
        quantized = _quantized_modules(model, checkpoint_names)
        if quantized and gptq is None:
            raise EngineFailure(
                f"the checkpoint has GPTQ tensors ({quantized[0]}.qweight, ...) but config.json "
                "has no quantization_config",
                ErrorKind.BAD_REQUEST,
            )
        for name in quantized:
            assert gptq is not None
            _swap(model, name, _int4_module(model.get_submodule(name), config, gptq))
    built: nn.Module = model
    return built


def materialize(model: nn.Module, device: torch.device) -> None:
    """Allocate every tensor on `device` (uninitialized), keeping tied weights tied.

    Each is a new `torch.empty` of its meta tensor's shape and dtype. `Module.to_empty`
    gets there through torch's Python reference of `empty_like` for meta tensors, and a
    reference's first call may import torch._dynamo (seconds of a start, on the GPU)."""
    for module in model.modules():
        for name, param in module._parameters.items():
            if param is not None:
                tensor = torch.empty(param.shape, dtype=param.dtype, device=device)
                module._parameters[name] = nn.Parameter(tensor, param.requires_grad)
        for name, buffer in module._buffers.items():
            if buffer is not None:
                module._buffers[name] = torch.empty(buffer.shape, dtype=buffer.dtype, device=device)
    tie_embeddings(model)  # each parameter got its own new tensor


def tie_embeddings(model: ModuleTree) -> None:
    """Share the embedding with the lm_head when the config ties them (Qwen3-0.6B does)."""
    if getattr(model.config, "tie_word_embeddings", False):
        model.lm_head.weight = model.model.embed_tokens.weight


def _check_model_type(model_type: str) -> None:
    if model_type not in MODEL_TYPES:
        raise EngineFailure(
            f"model_type {model_type!r} is not supported; qwen-chat runs Qwen3 and Qwen3-MoE "
            f"models ({', '.join(MODEL_TYPES)})",
            ErrorKind.BAD_REQUEST,
        )


def _quantized_modules(model: nn.Module, names: Collection[str]) -> list[str]:
    found = []
    for name, module in model.named_modules():
        probe = f"{name}.0.gate_proj.qweight" if _is_experts(module) else f"{name}.qweight"
        if probe in names and (_is_experts(module) or _is_linear_like(module)):
            found.append(name)
    return found


def _int4_module(
    module: ModuleTree, config: ModelShape | PretrainedConfig, gptq: GPTQConfig
) -> nn.Module:
    if _is_experts(module):
        return QuantExperts(config, gptq.group_size_for)
    if type(module).__name__.endswith("TopKRouter"):
        return QuantRouter(config, gptq.group_size_for(config.hidden_size))
    has_bias = getattr(module, "bias", None) is not None
    return QuantLinear(
        module.in_features,
        module.out_features,
        gptq.group_size_for(module.in_features),
        bias=has_bias,
        dtype=module.weight.dtype,
    )


def _is_experts(module: nn.Module) -> bool:
    return hasattr(module, "gate_up_proj") and hasattr(module, "num_experts")


def _is_linear_like(module: nn.Module) -> bool:
    return isinstance(module, nn.Linear) or type(module).__name__.endswith("TopKRouter")


def _swap(model: nn.Module, name: str, replacement: nn.Module) -> None:
    parent_name, _, child = name.rpartition(".")
    setattr(model.get_submodule(parent_name), child, replacement)
