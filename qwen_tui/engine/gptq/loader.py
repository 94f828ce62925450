"""Fill a meta-device model from a checkpoint, exactly: every tensor used, every slot filled.

`check_checkpoint` compares the load plan with the checkpoint's headers and raises one
EngineFailure listing every missing, unused, misshapen or wrongly typed tensor, before any
data is read: a float `qweight` or integer norm weights would load and give garbage.
`fill_model` then copies each tensor into its slot, reporting progress in bytes.
"""

from __future__ import annotations

from collections.abc import Callable

import torch
from torch import nn

from qwen_tui.engine.base import EngineFailure
from qwen_tui.engine.events import ErrorKind
from qwen_tui.engine.gptq.plan import Slot, model_tensors
from qwen_tui.engine.gptq.shards import Shards

Progress = Callable[[int, int], None]
_SHOWN = 8  # names listed in an error before "and N more"
_PROGRESS_STEPS = 200


def check_checkpoint(model: nn.Module, plan: dict[str, Slot], shards: Shards) -> None:
    """Raise EngineFailure naming every missing, unused, wrongly shaped or typed tensor."""
    present = shards.tensors
    optional = {n for n, slot in plan.items() if slot.default is not None or slot.alias}
    missing = [n for n in plan if n not in present and n not in optional]
    unused = [n for n in present if n not in plan]
    tensors = model_tensors(model)
    wrong, mistyped = [], []
    for name, slot in plan.items():
        if name in present:
            expected = tuple(_view(tensors[slot.target], slot).shape)
            if present[name].shape != expected:
                wrong.append(f"{name} {list(present[name].shape)} (expected {list(expected)})")
            allowed = _stored_dtypes(slot.target, tensors[slot.target])
            if present[name].dtype not in allowed:
                mistyped.append(f"{name} {present[name].dtype} (expected {' or '.join(allowed)})")
    problems = [
        _listed("missing from the checkpoint", missing),
        _listed("in the checkpoint but not used by the model", unused),
        _listed("with the wrong shape", wrong),
        _listed("with the wrong dtype", mistyped),
    ]
    problems = [p for p in problems if p]
    if problems:
        raise EngineFailure(
            f"{shards.model_dir} does not match its config: " + "; ".join(problems),
            ErrorKind.BAD_REQUEST,
        )


def fill_model(
    model: nn.Module, plan: dict[str, Slot], shards: Shards, progress: Progress | None = None
) -> None:
    """Copy every planned tensor into the (already materialized) model."""
    tensors = model_tensors(model)
    device = next(iter(tensors.values())).device  # materialized on the load's one device
    wanted = [n for n, slot in plan.items() if n in shards.tensors and not slot.alias]
    total = sum(shards.tensors[n].nbytes for n in wanted)
    done, step, next_report = 0, max(total // _PROGRESS_STEPS, 1), 0
    if progress is not None:
        progress(0, total)  # the reading starts (the first tensors can take a while)
    with torch.no_grad():
        for name, value in shards.read(wanted, device):
            slot = plan[name]
            _view(tensors[slot.target], slot).copy_(value)
            done += shards.tensors[name].nbytes
            if progress is not None and (done >= next_report or done == total):
                progress(done, total)
                next_report = done + step
        for name, slot in plan.items():
            if name not in shards.tensors and slot.default is not None:
                _view(tensors[slot.target], slot).copy_(slot.default())


def _stored_dtypes(target: str, tensor: torch.Tensor) -> tuple[str, ...]:
    """The safetensors dtypes the format allows for the model tensor `target`: int32 for
    packed int4 codes, zeros and group indices, fp16 for GPTQ scales, and a 16- or 32-bit
    float for every plain weight (converted to the model's dtype as it is copied)."""
    if tensor.dtype == torch.int32:
        return ("I32",)
    if target.endswith(".scales"):
        return ("F16",)
    return _FLOAT_DTYPES


_FLOAT_DTYPES = ("BF16", "F16", "F32")


def _view(tensor: torch.Tensor, slot: Slot) -> torch.Tensor:
    return tensor[slot.index] if slot.index else tensor


def _listed(what: str, names: list[str]) -> str:
    if not names:
        return ""
    shown = ", ".join(names[:_SHOWN])
    more = f" and {len(names) - _SHOWN} more" if len(names) > _SHOWN else ""
    return f"{len(names)} tensor(s) {what}: {shown}{more}"
