"""Tile choices for the prefill matmuls, tried once per weight shape on the device at hand.

Decode kernels are tuned by hand (`benchmarks/gemv_variants.py`); prefill kernels are
compute-bound and their best tiles differ between GPUs and between prompt lengths, so
Triton's autotuner picks among a few. The experts' tiles grow with the rows each expert
gets (`moe_block_m`); the dense matmuls of long prompts leave Triton for cuBLAS on a
dequantized weight (`int4_matmul.DEQUANT_ROWS`).
In Triton's CPU interpreter (tests) only the safe tile is used: there is nothing to time.
The autotuners keep their timings in Triton's cache directory (`cache_results`), so only
the first start on a machine pays for tuning; a change of kernel source or candidates
tunes again.

The module constants are the knobs to sweep on a GPU (`benchmarks/prefill_speed.py --sweep`);
`benchmarks/gpu_compile.py --all-tiles` shows, without a GPU, which candidates spill.
"""

from __future__ import annotations

import os

import triton

SAFE_TILE = (64, 32, 4, 3)  # fits every group size (32 and up): the interpreter's choice
# Each candidate costs a compile and a timing at the first start (37 s of a 65 s cold start
# on an H200 with seven of each): only the tiles that won somewhere are kept. On the H200
# every prefill matmul of the real shape picked one of the three after the safe tile
# (gpu_variants.sh).
PREFILL_TILES = [  # (BLOCK_N, BLOCK_K, warps, stages)
    SAFE_TILE,
    (128, 64, 4, 3),
    (64, 64, 4, 3),
    (64, 64, 8, 3),  # the MoE's 128-row tiles without spills
]
ACC_REGS_PER_THREAD = 128  # fp32 accumulator values a thread may hold without spilling
# The MoE's rows per tile from the average rows an expert gets (tokens * top_k / experts):
# a tile taller than an expert's rows computes padding, a shorter one rereads its weights.
MOE_MEDIUM_ROWS = 8  # from this average on, 64-row tiles (below: 16)
MOE_LARGE_ROWS = 128  # from this average on, 128-row tiles
# From this average on, 256-row tiles (None: never), a candidate until timed
# (`prefill_speed.py --sweep --only moe_256_rows_from_256`): a 4,096-token chunk gives the
# 128 experts 256 rows each on average, so at 128 rows each expert's int4 weights are
# dequantized twice, and dequantizing is about a third of the tile's work at that height.
# Their gate|up tiles take 113 KiB of shared memory (sm_90, `gpu_compile.py --all-tiles`):
# Hopper's 228 fit, an RTX 4090's 100 do not.
MOE_HUGE_ROWS: int | None = None


def prefill_configs(with_block_m: int | None = None) -> list[triton.Config]:
    """Autotuner configs; BLOCK_M is included when the kernel does not fix it itself."""
    configs = []
    for block_n, block_k, warps, stages in PREFILL_TILES:
        tiles = {"BLOCK_N": block_n, "BLOCK_K": block_k}
        if with_block_m is not None:
            tiles["BLOCK_M"] = with_block_m
        configs.append(triton.Config(tiles, num_warps=warps, num_stages=stages))
    return configs[:1] if interpreted() else configs


def moe_block_m(tokens: int, top_k: int, num_experts: int) -> int:
    """Rows per tile of the grouped expert matmul at prefill."""
    rows_per_expert = tokens * top_k / num_experts
    if MOE_HUGE_ROWS is not None and rows_per_expert >= MOE_HUGE_ROWS:
        return 256
    if rows_per_expert >= MOE_LARGE_ROWS:
        return 128
    return 64 if rows_per_expert >= MOE_MEDIUM_ROWS else 16


INTERPRETED_ROWS = 64  # rows a program takes in the CPU interpreter, which pays per program


def interpreted() -> bool:
    """True when Triton runs kernels in its CPU interpreter (tests), where each program
    costs milliseconds of Python: launch few, large programs there."""
    return os.environ.get("TRITON_INTERPRET") == "1"


def fits_group(configs, named_args, **kwargs):
    """Drop tiles deeper than a quantization group (a tile must lie in one group) and
    tiles whose fp32 accumulators (two for gate and up) would spill out of registers."""
    group = named_args["group_size"]
    accumulators = 2 if kwargs.get("GATE_UP") else 1
    in_group = [c for c in configs if group % c.kwargs["BLOCK_K"] == 0]

    def acc_per_thread(config) -> float:
        block_m = config.kwargs.get("BLOCK_M", kwargs.get("BLOCK_M"))
        tile: float = accumulators * block_m * config.kwargs["BLOCK_N"]
        threads: int = config.num_warps * 32
        return tile / threads

    fitting = [c for c in in_group if acc_per_thread(c) <= ACC_REGS_PER_THREAD]
    return fitting or in_group
