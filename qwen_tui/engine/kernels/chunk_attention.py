"""Causal attention of a prompt chunk over the KV cache, its start read from the device.

A CUDA graph of a short prefill (`runner/prefill_replay.py`) must serve a chunk at any
start: a first prompt at 0, a later turn after the conversation's cached rows. Flash
attention takes the keys' length from the host, so a graph of it would hold one start;
these kernels read the start from a device tensor and loop over the keys it implies.

The keys are split so that a short chunk over a long context still fills the GPU; at a
small start the splits past the chunk's keys return at once. Cache layout per layer:
k, v [num_kv_heads, max_len, head_dim]; q is head-major, [num_heads, tokens, head_dim],
as the fast prefill writes it.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
import triton

from qwen_tui.engine.kernels.chunk_attention_kernels import (
    _chunk_merge_kernel,
    _chunk_partial_kernel,
)

TARGET_PROGRAMS = 264  # two programs per SM on an H100 or H200 (132 SMs)
MAX_SPLITS = 32
# Two stages of the key loop's pipeline: three take 112 KiB of shared memory, more than an
# RTX 4090 has (benchmarks/gpu_compile.py).
PARTIAL_STAGES = 2


@dataclass(frozen=True)
class ChunkTiles:
    """A launch's tiles: the (token, query head) rows a program takes, the keys a loop step
    reads, its warps and pipeline stages. The default suits the graphs' short chunks;
    `benchmarks/prefill_attention.py` times others at long ones."""

    block_m: int = 64
    block_s: int = 64
    warps: int = 4
    stages: int = PARTIAL_STAGES
    heavy_first: bool = False  # launch the tiles that see the most keys first


SHORT_CHUNK_TILES = ChunkTiles()
# A long chunk's tiles on Hopper (228 KiB of shared memory a block: three stages fit), the
# fastest of `benchmarks/prefill_attention.py`'s on an H100: a 4,096-token chunk from 0 in
# 0.47 ms a layer against flash attention's 0.66, the chunk after it 1.21 against 1.58.
LONG_CHUNK_TILES = ChunkTiles(block_m=128, block_s=64, warps=8, stages=3)


def split_count(kv_heads: int, tiles: int) -> int:
    """Splits of the keys that bring the programs near TARGET_PROGRAMS."""
    wanted = -(-TARGET_PROGRAMS // (kv_heads * tiles))  # rounded up
    return max(1, min(MAX_SPLITS, wanted))


def chunk_attention(
    q: torch.Tensor,
    k_cache: torch.Tensor,
    v_cache: torch.Tensor,
    start: torch.Tensor,
    splits: int | None = None,
    tiles: ChunkTiles = SHORT_CHUNK_TILES,
) -> torch.Tensor:
    """q [heads, T, D] (contiguous) of positions start..start+T-1, whose keys and values
    are in the caches [kv_heads, max_len, D] already; start [1] int64 on the device.
    Returns [T, heads * D]: each row attends to the cache before the chunk and to the
    chunk's rows up to its own."""
    heads, tokens, head_dim = q.shape
    kv_heads, max_len = k_cache.shape[0], k_cache.shape[1]
    group = heads // kv_heads
    rows = tokens * group
    row_tiles = triton.cdiv(rows, tiles.block_m)
    splits = splits or split_count(kv_heads, row_tiles)
    out = torch.empty(tokens, heads * head_dim, device=q.device, dtype=q.dtype)
    if splits > 1:
        parts = kv_heads * splits * rows
        m = torch.empty(parts, device=q.device, dtype=torch.float32)
        l_sums = torch.empty(parts, device=q.device, dtype=torch.float32)
        acc = torch.empty(parts, head_dim, device=q.device, dtype=torch.float32)
    else:  # the partial kernel writes the output itself and reads none of these
        m = l_sums = acc = out
    # The merge runs on as many warps as the partials: 128-row tiles on four spilled 456
    # bytes a thread (sm_90).
    shared = {
        "GROUP": group,
        "HEAD_DIM": head_dim,
        "BLOCK_M": tiles.block_m,
        "BLOCK_S": tiles.block_s,
        "num_warps": tiles.warps,
    }
    _chunk_partial_kernel[(kv_heads, row_tiles, splits)](
        q,
        k_cache,
        v_cache,
        start,
        m,
        l_sums,
        acc,
        out,
        tokens,
        splits,
        max_len,
        heads * head_dim,
        head_dim**-0.5,
        DIRECT=splits == 1,
        HEAVY_FIRST=tiles.heavy_first,
        num_stages=tiles.stages,
        **shared,
    )
    if splits > 1:
        _chunk_merge_kernel[(kv_heads, row_tiles)](
            start, m, l_sums, acc, out, tokens, splits, heads * head_dim, **shared
        )
    return out
