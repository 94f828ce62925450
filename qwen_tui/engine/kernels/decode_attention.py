"""Single-query attention over the static KV cache, split along the sequence.

At decode one query token per head meets up to 40,960 cached positions. Each program takes
one KV head (with its group of query heads, GQA) and one chunk of the sequence, and keeps a
running softmax (max, sum, weighted values); a second launch merges the chunks. The position
comes from a device tensor, so one CUDA graph serves every position: programs past the end
return at once, and the work read grows with the context, not with the cache size.

Cache layout per layer: k, v [num_kv_heads, max_len, head_dim].
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
import triton

from qwen_tui.engine.kernels import launch_overlap
from qwen_tui.engine.kernels.decode_attention_kernels import _merge_kernel, _partial_kernel
from qwen_tui.engine.kernels.moe_topk import clear_share
from qwen_tui.engine.kernels.residual_input import ResidualInput

# Context length -> chunk size: short chunks spread a short context over enough programs,
# long ones keep the merge small at long contexts (benchmarks/runner_speed.py measures it).
CHUNK_BUCKETS = ((2048, 64), (6144, 256), (None, 512))
# The decode step hands the attention the q|k|v sums instead of a normed, rotated q: one
# launch fewer a layer (H200: 369 -> 374 tok/s at 1k, benchmarks/NOTES.md).
FUSE_QK = True
# The chunk loop's software pipelining depth, by chunk size. At 512-row chunks Triton's
# default, 3, spills 16 bytes a thread on sm_90 (ptxas of Triton 3.9) and was slower at 32k
# on an H100 (259.4 tok/s against 263.4); shorter chunks gain from it (410.4 against 399.5
# at 1k), with no spill (runner_speed --variants, test_gpu_compile.py).
PARTIAL_STAGES = {64: 3, 256: 3, 512: 2}
# Keys a step of the chunk loop reads, by chunk size (`runner_speed.py --variants` tries
# 128 at the long contexts' 512-row chunks, where the cache's bytes set the pace).
PARTIAL_KEYS = {64: 64, 256: 64, 512: 64}
MERGE_WARPS = 1  # one warp: the merge is a few short reductions (runner_speed --variants)


def chunk_for(context: int) -> int:
    """The chunk size the decode step should use at this context length."""
    return next(chunk for limit, chunk in CHUNK_BUCKETS if limit is None or context < limit)


@dataclass(frozen=True)
class QkSums:
    """The q|k|v projection's fp32 sums [1, (heads + 2 kv) * D] and what turns them into q,
    k and v: the attention then normalises, rotates and caches them itself, and empties
    the sums for the next layer (`FUSE_QK`). With `residual`, the sums are of the layer's
    un-normed input (`residual_input.py`)."""

    qkv: torch.Tensor
    cos: torch.Tensor
    sin: torch.Tensor
    q_norm: torch.Tensor
    k_norm: torch.Tensor
    eps: float
    residual: ResidualInput | None = None


@dataclass(frozen=True)
class Partials:
    """What the partials' launch leaves for the merge: the position, the q|k|v sums to
    empty (None when q came in normed), and the input's squares' total to empty (None
    unless the sums were of the un-normed input)."""

    pos: torch.Tensor
    sums: torch.Tensor | None
    squares: torch.Tensor | None


class DecodeAttention:
    """Workspace for one model's decode attention, allocated once so graphs can replay it."""

    def __init__(
        self, num_heads: int, num_kv_heads: int, head_dim: int, max_len: int, device: torch.device
    ) -> None:
        self.group = num_heads // num_kv_heads
        self.num_heads, self.num_kv_heads, self.head_dim = num_heads, num_kv_heads, head_dim
        self.max_len = max_len
        self.chunk = min(chunk for _, chunk in CHUNK_BUCKETS)
        parts = num_kv_heads * triton.cdiv(max_len, self.chunk) * self.group
        self.m = torch.empty(parts, device=device, dtype=torch.float32)
        self.l = torch.empty(parts, device=device, dtype=torch.float32)
        self.acc = torch.empty(parts, head_dim, device=device, dtype=torch.float32)

    def __call__(
        self,
        q: torch.Tensor | None,
        k_cache: torch.Tensor,
        v_cache: torch.Tensor,
        pos: torch.Tensor,
        sums: QkSums | None = None,
    ) -> torch.Tensor:
        """q [num_heads, head_dim]; caches [kv_heads, max_len, head_dim]; pos [1] the current
        token's position, its key and value already in the cache. Returns [num_heads, dim].
        With `sums`, q is None and q, k, v come from the sums instead (see QkSums)."""
        return self.merge(self.partials(q, k_cache, v_cache, pos, sums), k_cache.dtype)

    def partials(
        self,
        q: torch.Tensor | None,
        k_cache: torch.Tensor,
        v_cache: torch.Tensor,
        pos: torch.Tensor,
        sums: QkSums | None = None,
    ) -> Partials:
        """The first launch: each chunk's (max, sum, weighted values) in the workspace."""
        if sums is None:  # placeholder pointers: the kernels read none of them
            qkv, tables, eps = k_cache, (k_cache,) * 4, 0.0
        else:
            qkv, tables, eps = sums.qkv, (sums.cos, sums.sin, sums.q_norm, sums.k_norm), sums.eps
        residual = sums.residual if sums is not None else None
        if residual is None:
            stream, hidden = (k_cache,) * 4, 1
        else:
            stream = (residual.h, residual.attn, residual.mlp, residual.squares)
            hidden = residual.h.shape[-1]
        pdl = launch_overlap.enabled(pos.device.type)
        _partial_kernel[(self.num_kv_heads, self.splits)](
            q if q is not None else k_cache,
            k_cache,
            v_cache,
            pos,
            self.m,
            self.l,
            self.acc,
            qkv,
            *tables,
            *stream,
            hidden,
            eps,
            self.head_dim**-0.5,
            self.max_len,
            self.splits,
            self.num_heads,
            self.num_kv_heads,
            GROUP=self.group,
            GROUP_PAD=max(16, triton.next_power_of_2(self.group)),
            HEAD_DIM=self.head_dim,
            CHUNK_SIZE=self.chunk,
            BLOCK_S=PARTIAL_KEYS.get(self.chunk, 64),
            QK_FROM_SUMS=sums is not None,
            RESIDUAL_IN=residual is not None,
            RESIDUAL_BLOCK=triton.next_power_of_2(triton.cdiv(hidden, self.num_kv_heads)),
            PDL=pdl,
            num_stages=PARTIAL_STAGES.get(self.chunk, 2),
            **launch_overlap.launch_options(pdl),
        )
        squares = residual.squares if residual is not None else None
        return Partials(pos, qkv if sums is not None else None, squares)

    @property
    def splits(self) -> int:
        """Chunks the workspace holds per KV head at the current chunk size."""
        return -(-self.max_len // self.chunk)

    def merge(self, partials: Partials, dtype: torch.dtype) -> torch.Tensor:
        """The second launch: the chunks combined -> [num_heads, head_dim] in `dtype`; it
        empties what the partials leave to be emptied."""
        out = torch.empty(self.num_heads, self.head_dim, device=partials.pos.device, dtype=dtype)
        qkv = partials.sums if partials.sums is not None else out
        clear_block = clear_share(qkv.numel(), self.num_heads) if partials.sums is not None else 0
        squares = partials.squares
        pdl = launch_overlap.enabled(partials.pos.device.type)
        _merge_kernel[(self.num_heads,)](
            partials.pos,
            self.m,
            self.l,
            self.acc,
            out,
            qkv,
            qkv.numel(),
            squares if squares is not None else out,
            self.splits,
            GROUP=self.group,
            HEAD_DIM=self.head_dim,
            CHUNK_SIZE=self.chunk,
            SPLITS_PAD=triton.next_power_of_2(self.splits),
            BLOCK_P=16,
            CLEAR_BLOCK=clear_block,
            RESIDUAL_IN=squares is not None,
            PDL=pdl,
            num_warps=MERGE_WARPS,
            **launch_overlap.launch_options(pdl),
        )
        return out
