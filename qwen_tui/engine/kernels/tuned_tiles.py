"""Prefill tiles already tuned on a known GPU, so its first start compiles one tile a shape.

The prefill autotuners compile and time every candidate tile for each weight shape the
first time a machine runs them: 25 s of a cold start on an H200 with four candidates. On a
GPU whose winners were measured for this model's shapes, the pruner keeps only the winner,
and Triton runs a single config without timing anything. Another GPU, another shape, or a
winner the candidates no longer hold: every candidate that fits, tuned as before.

Refresh a table from `benchmarks/gpu_variants.sh`, which prints each autotuner's choice
after a cold start (vLLM ships its fused-MoE tiles per device the same way).
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cache
from typing import Any

import triton

from qwen_tui.engine.kernels.tuning import fits_group

Tile = tuple[int, ...]  # (BLOCK_M when tuned,) BLOCK_N, BLOCK_K, warps, stages
Pruner = Callable[..., list[triton.Config]]

# device name -> kernel -> shape key -> tile; shapes of Qwen3-30B-A3B (group size 128).
# Measured with `gpu_variants.sh` on 2026-12-02 (benchmarks/NOTES.md).
TUNED: dict[str, dict[str, dict[tuple[Any, ...], Tile]]] = {
    "NVIDIA H200": {
        "int4_matmul": {  # (N, K): q|k|v and o below DEQUANT_ROWS rows (BLOCK_M fixed at 64)
            (5120, 2048): (64, 64, 64, 8, 3),
            (2048, 4096): (64, 64, 64, 8, 3),
        },
        "grouped_int4": {  # (N, K, BLOCK_M, GATE_UP): the experts' gate|up and down
            (768, 2048, 16, True): (64, 64, 4, 3),
            (768, 2048, 64, True): (128, 64, 4, 3),
            (768, 2048, 128, True): (64, 64, 4, 3),
            (2048, 768, 16, False): (128, 64, 4, 3),
            (2048, 768, 64, False): (128, 64, 4, 3),
            (2048, 768, 128, False): (128, 64, 4, 3),
        },
    },
}


def tuned_or_fitting(kernel: str, key_names: tuple[str, ...]) -> Pruner:
    """An `early_config_prune` for `kernel`'s autotuner: the known winner for this device
    and shape (`key_names`, from the arguments), else every candidate that fits."""

    def prune(
        configs: list[triton.Config], named_args: dict[str, Any], **kwargs: Any
    ) -> list[triton.Config]:
        fitting = fits_group(configs, named_args, **kwargs)
        arguments = {**named_args, **kwargs}
        key = tuple(arguments.get(name) for name in key_names)
        winner = TUNED.get(device_name(), {}).get(kernel, {}).get(key)
        chosen = [config for config in fitting if tile_of(config) == winner]
        return chosen[:1] or fitting

    return prune


def tile_of(config: triton.Config) -> Tile:
    """`config` in the tables' shape."""
    block_m = (config.kwargs["BLOCK_M"],) if "BLOCK_M" in config.kwargs else ()
    sizes = (config.kwargs["BLOCK_N"], config.kwargs["BLOCK_K"])
    return (*block_m, *sizes, config.num_warps, config.num_stages)


@cache
def device_name() -> str:
    """The GPU the kernels run on ("" without one: no table applies)."""
    import torch

    return torch.cuda.get_device_name() if torch.cuda.is_available() else ""
