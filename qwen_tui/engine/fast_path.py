"""Whether a model gets the fast runner (Triton kernels, static cache, CUDA graph), and
building it.

The runner needs a CUDA device, Triton, and weights its kernels take (every checkpoint
except MoE experts with desc_act or in 16 bits); anything else decodes on transformers' own
forward, correctly but slowly. Whether the runner will take a checkpoint is known before
its weights are read (`runner_will_take`), so the loader builds the tree that is needed.
The static KV cache for the whole context is allocated here, once.
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from typing import TYPE_CHECKING

import torch
from torch import nn

from qwen_tui.engine import devices
from qwen_tui.engine.events import LoadProgress
from qwen_tui.engine.gptq.quant_config import GPTQConfig
from qwen_tui.engine.gptq.rotary import OWN_ROPE_TYPES, head_size, rope_type
from qwen_tui.engine.gptq.runner_skeleton import is_moe_layer
from qwen_tui.engine.kernels import available

if TYPE_CHECKING:  # the runner imports Triton: only where the fast path is taken
    from qwen_tui.engine.loading import LoadedModel
    from qwen_tui.engine.model_shape import ModelShape
    from qwen_tui.engine.runner.generate import Runner


def runner_will_take(
    device: torch.device,
    config: ModelShape,
    gptq: GPTQConfig | None,
    checkpoint_names: Collection[str],
) -> bool:
    """Whether the fast runner will take this checkpoint on `device`, judged from its config
    and tensor names alone: a CUDA device, Triton, a RoPE of fixed frequencies, and MoE
    experts (if any) in int4 without desc_act. Then the model is built on the project's own
    tree, which has no forward but spares the start transformers' modeling code."""
    if device.type != "cuda" or not available("cuda") or rope_type(config) not in OWN_ROPE_TYPES:
        return False
    moe_layers = [i for i in range(config.num_hidden_layers) if is_moe_layer(config, i)]
    if moe_layers and (gptq is None or gptq.desc_act):
        return False
    return all(
        f"model.layers.{i}.mlp.experts.0.gate_proj.qweight" in checkpoint_names for i in moe_layers
    )


def fast_path_blockers(loaded: LoadedModel) -> list[str]:
    """Why `loaded` (a LoadedModel) cannot use the fast runner; empty when it can."""
    if loaded.device.type != "cuda":
        return ["the fast path needs a CUDA GPU"]
    if not available("cuda"):
        return ["Triton is not installed (pip install 'qwen-tui[gpu]')"]
    if loaded.runner_blockers is not None:  # the load checked the weights already
        return loaded.runner_blockers
    return weight_blockers(loaded.model)


def weight_blockers(model: nn.Module) -> list[str]:
    """Why the runner's kernels cannot take the loaded weights of `model` as they are (a
    group order that desc_act left unsorted, group sizes the kernels do not tile)."""
    from qwen_tui.engine.runner.extract import weights_from_model
    from qwen_tui.engine.runner.step_weights import graph_blockers

    return graph_blockers(weights_from_model(model))


WARM_UP_STEPS = (
    "compiling and tuning the prefill kernels, capturing short-prompt graphs",
    "compiling the decode kernels and capturing their graphs",
)


def build_runner(
    loaded: LoadedModel, progress: Callable[[LoadProgress], None] | None = None
) -> Runner:
    """The fast runner for `loaded`, its cache sized to the context limit, kernels compiled
    and tuned, decode graphs captured; `progress` hears each step by name. Raises
    EngineFailure when the cache does not fit."""
    from qwen_tui.engine.runner.extract import weights_from_model
    from qwen_tui.engine.runner.generate import Runner

    def step(done: int) -> None:
        if progress is not None:
            message = WARM_UP_STEPS[done] if done < len(WARM_UP_STEPS) else "GPU kernels ready"
            progress(LoadProgress(done, len(WARM_UP_STEPS), unit="steps", message=message))

    weights = weights_from_model(loaded.model)
    try:
        runner = Runner(weights, loaded.context_limit, use_triton=True, use_graph=True)
        if runner.use_graph:
            step(0)
            runner.warm_up_prefill()
            step(1)
            runner.warm_up_decode()
            torch.cuda.synchronize()
    except torch.OutOfMemoryError as exc:
        free, total = torch.cuda.mem_get_info(loaded.device)
        cache = loaded.context_limit * kv_bytes_per_token(loaded.model.config, loaded.dtype)
        raise devices.out_of_memory(cache, free, total, what="the KV cache") from exc
    step(len(WARM_UP_STEPS))
    return runner


def kv_bytes_per_token(config: ModelShape, dtype: torch.dtype) -> int:
    """Cache bytes per token: keys and values of every layer (98,304 for Qwen3-30B-A3B)."""
    per_layer = 2 * config.num_key_value_heads * head_size(config) * torch.finfo(dtype).bits // 8
    return config.num_hidden_layers * per_layer
