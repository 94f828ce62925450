"""Where each checkpoint tensor goes in the model: the load plan.

Every persistent parameter and buffer of the model gets the checkpoint names that fill it:
usually its own name; for stacked experts one name per expert (`experts.{e}.gate_proj.qweight`
fills `experts.gate_proj.qweight[e]`); for transformers' fused dense experts, gate and up
halves of `gate_up_proj`. Comparing the plan with the checkpoint before reading any data
gives the complete lists of missing and unused tensors.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import torch
from torch import nn

from qwen_tui.engine.gptq.modules import ModuleTree, QuantLinear, StackedInt4

Index = tuple[int | slice, ...]


@dataclass(frozen=True)
class Slot:
    """A checkpoint tensor's place: `target[index]` of the model's tensor named `target`."""

    target: str
    index: Index = ()
    default: Callable[[], torch.Tensor] | None = None
    """How to fill the slot when the checkpoint lacks the tensor (None: it is required)."""
    alias: bool = False
    """Another copy of a tensor that is filled anyway (a tied lm_head): used, not copied."""


def load_plan(model: ModuleTree, checkpoint_names: set[str], desc_act: bool) -> dict[str, Slot]:
    """Checkpoint name -> Slot for every tensor the model needs."""
    plan: dict[str, Slot] = {}
    for prefix, module in model.named_modules():
        own = _own_tensors(module)
        if not own:
            continue
        if isinstance(module, StackedInt4):
            plan.update(_stacked_slots(prefix, module, desc_act))
        elif hasattr(module, "gate_up_proj") and f"{prefix}.gate_up_proj" not in checkpoint_names:
            plan.update(_dense_expert_slots(prefix, module))
        else:
            for name in own:
                plan[_join(prefix, name)] = Slot(_join(prefix, name))
            if isinstance(module, QuantLinear) and not desc_act:
                groups = _in_order_groups(module.in_features, module.group_size)
                plan[f"{prefix}.g_idx"] = Slot(f"{prefix}.g_idx", default=groups)
    tied = getattr(getattr(model, "lm_head", None), "weight", None)
    if tied is not None and tied is model.get_input_embeddings().weight:
        plan["lm_head.weight"] = Slot("model.embed_tokens.weight", alias=True)
    return plan


def model_tensors(model: nn.Module) -> dict[str, torch.Tensor]:
    """Persistent parameters and buffers by name, each shared tensor once."""
    tensors: dict[str, torch.Tensor] = dict(model.named_parameters())
    for prefix, module in model.named_modules():
        for name in _own_tensors(module):
            if name in module._buffers:
                tensors[_join(prefix, name)] = module._buffers[name]
    return tensors


def _join(prefix: str, name: str) -> str:
    return f"{prefix}.{name}" if prefix else name


def _own_tensors(module: nn.Module) -> list[str]:
    names = [n for n, p in module._parameters.items() if p is not None]
    names += [
        n
        for n, b in module._buffers.items()
        if b is not None and n not in module._non_persistent_buffers_set
    ]
    return names


def _stacked_slots(prefix: str, module: StackedInt4, desc_act: bool) -> dict[str, Slot]:
    parent, _, proj = prefix.rpartition(".")
    experts = module.qweight.shape[0]
    groups = _in_order_groups(module.in_features, module.group_size)
    slots = {}
    for e in range(experts):
        for name in ("qweight", "qzeros", "scales", "g_idx"):
            default = groups if name == "g_idx" and not desc_act else None
            slots[f"{parent}.{e}.{proj}.{name}"] = Slot(f"{prefix}.{name}", (e,), default)
    return slots


def _dense_expert_slots(prefix: str, module: ModuleTree) -> dict[str, Slot]:
    inter = module.down_proj.shape[-1]
    slots = {}
    for e in range(module.gate_up_proj.shape[0]):
        slots[f"{prefix}.{e}.gate_proj.weight"] = Slot(
            f"{prefix}.gate_up_proj", (e, slice(0, inter))
        )
        slots[f"{prefix}.{e}.up_proj.weight"] = Slot(
            f"{prefix}.gate_up_proj", (e, slice(inter, 2 * inter))
        )
        slots[f"{prefix}.{e}.down_proj.weight"] = Slot(f"{prefix}.down_proj", (e,))
    return slots


def _in_order_groups(in_features: int, group_size: int) -> Callable[[], torch.Tensor]:
    return lambda: (torch.arange(in_features) // group_size).to(torch.int32)
