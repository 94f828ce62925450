"""Tile choices for the prefill matmuls, tried once per weight shape on the device at hand.

Decode kernels are tuned by hand (`benchmarks/gemv_variants.py`); prefill kernels are
compute-bound and their best tiles differ between GPUs, so Triton's autotuner picks among a
few. In Triton's CPU interpreter (tests) only the first choice is used: there is nothing to
time there.
"""

from __future__ import annotations

import os

import triton

SAFE_TILE = (64, 32, 4, 3)  # fits every group size (32 and up): the interpreter's choice
PREFILL_TILES = [  # (BLOCK_N, BLOCK_K, warps, stages)
    SAFE_TILE,
    (128, 64, 4, 3),
    (64, 64, 4, 3),
    (128, 64, 8, 4),
    (128, 128, 8, 3),
    (256, 64, 8, 3),
]


def prefill_configs(with_block_m: int | None = None) -> list[triton.Config]:
    """Autotuner configs; BLOCK_M is included when the kernel does not fix it itself."""
    configs = []
    for block_n, block_k, warps, stages in PREFILL_TILES:
        tiles = {"BLOCK_N": block_n, "BLOCK_K": block_k}
        if with_block_m is not None:
            tiles["BLOCK_M"] = with_block_m
        configs.append(triton.Config(tiles, num_warps=warps, num_stages=stages))
    return configs[:1] if interpreted() else configs


def interpreted() -> bool:
    """True when Triton runs kernels in its CPU interpreter (tests), where each program
    costs milliseconds of Python: launch few, large programs there."""
    return os.environ.get("TRITON_INTERPRET") == "1"


def fits_group(configs, named_args, **kwargs):
    """Drop tiles deeper than a quantization group: a tile must lie in one group."""
    group = named_args["group_size"]
    return [c for c in configs if group % c.kwargs["BLOCK_K"] == 0]
