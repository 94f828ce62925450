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

import torch
import triton

from qwen_tui.engine.kernels.chunk_attention_kernels import (
    _chunk_merge_kernel,
    _chunk_partial_kernel,
)

BLOCK_M = 64  # (token, query head) rows a program takes
BLOCK_S = 64  # keys a loop step reads
TARGET_PROGRAMS = 264  # two programs per SM on an H100 or H200 (132 SMs)
MAX_SPLITS = 32
# Two stages of the key loop's pipeline: three take 112 KiB of shared memory, more than an
# RTX 4090 has (benchmarks/gpu_compile.py).
PARTIAL_STAGES = 2


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
) -> torch.Tensor:
    """q [heads, T, D] (contiguous) of positions start..start+T-1, whose keys and values
    are in the caches [kv_heads, max_len, D] already; start [1] int64 on the device.
    Returns [T, heads * D]: each row attends to the cache before the chunk and to the
    chunk's rows up to its own."""
    heads, tokens, head_dim = q.shape
    kv_heads, max_len = k_cache.shape[0], k_cache.shape[1]
    group = heads // kv_heads
    rows = tokens * group
    tiles = triton.cdiv(rows, BLOCK_M)
    splits = splits or split_count(kv_heads, tiles)
    out = torch.empty(tokens, heads * head_dim, device=q.device, dtype=q.dtype)
    if splits > 1:
        parts = kv_heads * splits * rows
        m = torch.empty(parts, device=q.device, dtype=torch.float32)
        l_sums = torch.empty(parts, device=q.device, dtype=torch.float32)
        acc = torch.empty(parts, head_dim, device=q.device, dtype=torch.float32)
    else:  # the partial kernel writes the output itself and reads none of these
        m = l_sums = acc = out
    shared = {"GROUP": group, "HEAD_DIM": head_dim, "BLOCK_M": BLOCK_M, "BLOCK_S": BLOCK_S}
    _chunk_partial_kernel[(kv_heads, tiles, splits)](
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
        num_stages=PARTIAL_STAGES,
        **shared,
    )
    if splits > 1:
        _chunk_merge_kernel[(kv_heads, tiles)](
            start, m, l_sums, acc, out, tokens, splits, heads * head_dim, **shared
        )
    return out
