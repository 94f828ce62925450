"""Load a Qwen3 / Qwen3-MoE checkpoint (GPTQ int4 or 16-bit), exactly: checked config,
tokenizer, device and memory first, then every tensor.

The model is built on the meta device with the project's int4 modules in place of the
quantized layers, materialized on the target device, and filled tensor by tensor from the
safetensors shards; anything missing or left over is an error that names it. Where the fast
runner will take the model, the tree is the project's own (same tensors, no forward), so
the start never imports transformers' modeling code; elsewhere it is transformers' model,
whose forward decodes.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch
from torch import nn
from transformers import PretrainedConfig

from qwen_tui.engine import devices
from qwen_tui.engine.base import EngineFailure
from qwen_tui.engine.events import ErrorKind, LoadProgress
from qwen_tui.engine.fast_path import runner_will_take, weight_blockers
from qwen_tui.engine.gptq.loader import check_checkpoint, fill_model
from qwen_tui.engine.gptq.modules import ModuleTree
from qwen_tui.engine.gptq.plan import load_plan, model_tensors
from qwen_tui.engine.gptq.quant_config import GPTQConfig, read_quant_config
from qwen_tui.engine.gptq.shards import Shards, tensor_names
from qwen_tui.engine.gptq.sizes import check_sizes
from qwen_tui.engine.gptq.skeleton import build_skeleton, materialize
from qwen_tui.engine.model_config import estimated_weight_bytes, transformers_config
from qwen_tui.engine.model_files import resolve_model_dir
from qwen_tui.engine.model_json import read_model_json
from qwen_tui.engine.model_needs import MODEL_TYPES
from qwen_tui.engine.model_shape import ModelShape
from qwen_tui.engine.prompting import ChatTokenizer, stop_ids

ProgressSink = Callable[[LoadProgress], None]


@dataclass
class LoadedModel:
    """A model ready to generate, with everything the decode loop needs beside it."""

    model: ModuleTree
    """transformers' Qwen3(Moe)ForCausalLM, or for the fast runner the project's own tree
    of the same tensors (`gptq/runner_skeleton.py`), which has no forward."""
    tokenizer: ChatTokenizer
    model_dir: Path
    device: torch.device
    dtype: torch.dtype
    stop_ids: frozenset[int]
    context_limit: int
    quantized: bool
    load_seconds: float
    runner_blockers: list[str] | None = None
    """Why the fast runner's kernels cannot take these weights, where the load checked
    already (it built the runner's own tree); None where it did not."""


def load_model(
    model: str,
    *,
    device: str = "auto",
    dtype: str = "auto",
    yarn_factor: float | None = None,
    progress: ProgressSink | None = None,
    on_tokenizer: Callable[[ChatTokenizer], None] | None = None,
    for_runner: bool | None = None,
) -> LoadedModel:
    """Load `model` (a directory or a cached hub id); raise EngineFailure with a readable
    one-line message when anything is wrong. `on_tokenizer` gets the tokenizer as soon as it
    is loaded, before the weights. `for_runner` picks the module tree: by default the
    project's own where the fast runner will take the model, else transformers'; True or
    False forces one (True on the CPU: the runner's reference ops, in tests)."""
    started = time.perf_counter()
    if progress is not None:
        progress(LoadProgress(0, 1, unit="steps", message="preparing the model"))
    model_dir = resolve_model_dir(model)
    raw_config = read_config(model_dir)
    check_sizes(raw_config, tensor_names(model_dir), model_dir)  # before anything loops on them
    gptq = read_quant_config(model_dir, raw_config)
    shape = ModelShape.from_config(raw_config, yarn_factor)
    tokenizer = ChatTokenizer(model_dir)
    if on_tokenizer is not None:
        on_tokenizer(tokenizer)
    target = devices.resolve_device(device)
    precision = devices.resolve_dtype(dtype, target)
    if target.type == "cpu":
        devices.check_fits(
            estimated_weight_bytes(shape, gptq, precision), target, gptq is not None, model
        )
    shards = Shards(model_dir)
    own_tree = for_runner
    if own_tree is None:
        own_tree = runner_will_take(target, shape, gptq, shards.tensors)
    load = _Load(model, raw_config, yarn_factor, shape, precision, gptq, shards, target, progress)
    skeleton = load.filled(own_tree)
    checked = own_tree and for_runner is None
    blockers = weight_blockers(skeleton) if checked else []
    if blockers:  # the runner will not take these weights after all: transformers' forward
        del skeleton  # its memory goes before the second copy is read
        if progress is not None:
            message = f"loading again for transformers' forward ({blockers[0]})"
            progress(LoadProgress(0, 1, unit="steps", message=message))
        skeleton = load.filled(own_tree=False)
    return LoadedModel(
        model=skeleton,
        tokenizer=tokenizer,
        model_dir=model_dir,
        device=target,
        dtype=precision,
        stop_ids=stop_ids(model_dir, raw_config, tokenizer),
        context_limit=int(shape.max_position_embeddings),
        quantized=gptq is not None,
        load_seconds=time.perf_counter() - started,
        runner_blockers=blockers if checked else None,
    )


@dataclass(frozen=True)
class _Load:
    """What building and filling a skeleton needs, for one tree or the other."""

    name: str
    raw_config: dict[str, Any]
    yarn_factor: float | None
    shape: ModelShape
    dtype: torch.dtype
    gptq: GPTQConfig | None
    shards: Shards
    device: torch.device
    progress: ProgressSink | None

    def filled(self, own_tree: bool) -> nn.Module:
        """The skeleton (the project's own tree, or transformers'), checked against the
        checkpoint, materialized on the device and filled."""
        shards, gptq = self.shards, self.gptq
        config: ModelShape | PretrainedConfig = self.shape
        if not own_tree:  # transformers' tree: its own configuration class
            config = transformers_config(self.raw_config, self.yarn_factor)
        skeleton = build_skeleton(config, self.dtype, gptq, shards.tensors, own_tree)
        plan = load_plan(skeleton, set(shards.tensors), desc_act=bool(gptq and gptq.desc_act))
        check_checkpoint(skeleton, plan, shards)
        weight_bytes = sum(t.numel() * t.element_size() for t in model_tensors(skeleton).values())
        devices.check_fits(weight_bytes, self.device, gptq is not None, self.name)
        try:
            materialize(skeleton, self.device)
            fill_model(skeleton, plan, shards, _bytes_progress(self.progress))
        except torch.OutOfMemoryError as exc:
            free, total = torch.cuda.mem_get_info(self.device)
            raise devices.out_of_memory(weight_bytes, free, total) from exc
        _rebuild_rotary(skeleton, config, self.device)
        return skeleton.eval()


def read_config(model_dir: Path) -> dict[str, Any]:
    """config.json of a Qwen3 / Qwen3-MoE model; EngineFailure (one line) for anything else."""
    path = model_dir / "config.json"
    try:
        config = read_model_json(path, "config")
    except FileNotFoundError:
        raise EngineFailure(f"{model_dir} has no config.json", ErrorKind.MODEL_MISSING) from None
    model_type = config.get("model_type")
    if not isinstance(model_type, str) or model_type not in MODEL_TYPES:
        raise EngineFailure(
            f"{model_dir} holds a {model_type if isinstance(model_type, str) else 'unknown'} "
            "model; qwen-chat runs Qwen3 and "
            "Qwen3-MoE models (model_type qwen3 or qwen3_moe)",
            ErrorKind.BAD_REQUEST,
        )
    return config


def _rebuild_rotary(
    model: ModuleTree, config: ModelShape | PretrainedConfig, device: torch.device
) -> None:
    """Rotary frequencies are computed, not stored: build them on the device."""
    inner = model.model
    with torch.device(device):
        inner.rotary_emb = type(inner.rotary_emb)(config)
    for name, module in model.named_modules():
        if module._non_persistent_buffers_set and module is not inner.rotary_emb:
            raise EngineFailure(f"internal: {name} has computed buffers the loader cannot fill")


def _bytes_progress(sink: ProgressSink | None) -> Callable[[int, int], None] | None:
    if sink is None:
        return None
    return lambda done, total: sink(
        LoadProgress(done, total, unit="bytes", message="reading weights")
    )
