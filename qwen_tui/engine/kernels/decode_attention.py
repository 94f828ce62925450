"""Single-query attention over the static KV cache, split along the sequence.

At decode one query token per head meets up to 40,960 cached positions. Each program takes
one KV head (with its group of query heads, GQA) and one chunk of the sequence, and keeps a
running softmax (max, sum, weighted values); a second launch merges the chunks. The position
comes from a device tensor, so one CUDA graph serves every position: programs past the end
return at once, and the work read grows with the context, not with the cache size.

Cache layout per layer: k, v [num_kv_heads, max_len, head_dim].
"""

from __future__ import annotations

import torch
import triton
import triton.language as tl

# Context length -> chunk size: short chunks spread a short context over enough programs,
# long ones keep the merge small at long contexts (benchmarks/runner_speed.py measures it).
CHUNK_BUCKETS = ((2048, 64), (6144, 256), (None, 512))
MERGE_WARPS = 1  # one warp: the merge is a few short reductions (runner_speed --warps)


def chunk_for(context: int) -> int:
    """The chunk size the decode step should use at this context length."""
    return next(chunk for limit, chunk in CHUNK_BUCKETS if limit is None or context < limit)


@triton.jit
def _partial_kernel(
    q_ptr,
    k_ptr,
    v_ptr,
    pos_ptr,
    m_ptr,
    l_ptr,
    acc_ptr,
    scale,
    max_len,
    splits,
    GROUP: tl.constexpr,
    GROUP_PAD: tl.constexpr,
    HEAD_DIM: tl.constexpr,
    CHUNK_SIZE: tl.constexpr,
    BLOCK_S: tl.constexpr,
):
    kv_head = tl.program_id(0)
    split = tl.program_id(1)
    seq_len = tl.load(pos_ptr).to(tl.int32) + 1  # the current token is in the cache
    start = split * CHUNK_SIZE
    if start >= seq_len:
        return
    offs_g = tl.arange(0, GROUP_PAD)
    offs_d = tl.arange(0, HEAD_DIM)
    mask_g = offs_g < GROUP
    q_rows = kv_head * GROUP + offs_g
    q = tl.load(
        q_ptr + q_rows[:, None] * HEAD_DIM + offs_d[None, :], mask=mask_g[:, None], other=0.0
    )
    m_i = tl.full((GROUP_PAD,), float("-inf"), tl.float32)
    l_i = tl.zeros((GROUP_PAD,), tl.float32)
    acc = tl.zeros((GROUP_PAD, HEAD_DIM), tl.float32)
    base = kv_head.to(tl.int64) * max_len * HEAD_DIM
    for s0 in range(start, start + CHUNK_SIZE, BLOCK_S):
        offs_s = s0 + tl.arange(0, BLOCK_S)
        mask_s = offs_s < seq_len
        k = tl.load(
            k_ptr + base + offs_s[:, None] * HEAD_DIM + offs_d[None, :],
            mask=mask_s[:, None],
            other=0.0,
        )
        scores = tl.dot(q, tl.trans(k)) * scale
        scores = tl.where(mask_s[None, :], scores, float("-inf"))
        m_new = tl.maximum(m_i, tl.max(scores, axis=1))
        alpha = tl.exp(m_i - m_new)
        p = tl.exp(scores - m_new[:, None])
        v = tl.load(
            v_ptr + base + offs_s[:, None] * HEAD_DIM + offs_d[None, :],
            mask=mask_s[:, None],
            other=0.0,
        )
        acc = acc * alpha[:, None] + tl.dot(p.to(v.dtype), v)
        l_i = l_i * alpha + tl.sum(p, axis=1)
        m_i = m_new
    part = (kv_head * splits + split) * GROUP + offs_g
    tl.store(m_ptr + part, m_i, mask=mask_g)
    tl.store(l_ptr + part, l_i, mask=mask_g)
    tl.store(acc_ptr + part[:, None] * HEAD_DIM + offs_d[None, :], acc, mask=mask_g[:, None])


@triton.jit
def _merge_kernel(
    pos_ptr,
    m_ptr,
    l_ptr,
    acc_ptr,
    out_ptr,
    splits,
    GROUP: tl.constexpr,
    HEAD_DIM: tl.constexpr,
    CHUNK_SIZE: tl.constexpr,
    SPLITS_PAD: tl.constexpr,
    BLOCK_P: tl.constexpr,
):
    head = tl.program_id(0)
    kv_head = head // GROUP
    g = head % GROUP
    used = tl.cdiv(tl.load(pos_ptr).to(tl.int32) + 1, CHUNK_SIZE)
    offs_all = tl.arange(0, SPLITS_PAD)
    m_all = tl.load(
        m_ptr + (kv_head * splits + offs_all) * GROUP + g, mask=offs_all < used, other=float("-inf")
    )
    m_max = tl.max(m_all, axis=0)
    offs_d = tl.arange(0, HEAD_DIM)
    acc = tl.zeros((HEAD_DIM,), tl.float32)
    total = 0.0
    for p0 in range(0, used, BLOCK_P):
        offs_p = p0 + tl.arange(0, BLOCK_P)
        mask_p = offs_p < used
        part = (kv_head * splits + offs_p) * GROUP + g
        w = tl.where(mask_p, tl.exp(tl.load(m_ptr + part, mask=mask_p, other=0.0) - m_max), 0.0)
        total += tl.sum(tl.load(l_ptr + part, mask=mask_p, other=0.0) * w, axis=0)
        block = tl.load(
            acc_ptr + part[:, None] * HEAD_DIM + offs_d[None, :], mask=mask_p[:, None], other=0.0
        )
        acc += tl.sum(block * w[:, None], axis=0)
    tl.store(out_ptr + head * HEAD_DIM + offs_d, (acc / total).to(out_ptr.dtype.element_ty))


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
        self, q: torch.Tensor, k_cache: torch.Tensor, v_cache: torch.Tensor, pos: torch.Tensor
    ) -> torch.Tensor:
        """q [num_heads, head_dim]; caches [kv_heads, max_len, head_dim]; pos [1] the current
        token's position, its key and value already in the cache. Returns [num_heads, dim]."""
        out = torch.empty_like(q)
        scale = self.head_dim**-0.5
        splits = triton.cdiv(self.max_len, self.chunk)
        _partial_kernel[(self.num_kv_heads, splits)](
            q,
            k_cache,
            v_cache,
            pos,
            self.m,
            self.l,
            self.acc,
            scale,
            self.max_len,
            splits,
            GROUP=self.group,
            GROUP_PAD=max(16, triton.next_power_of_2(self.group)),
            HEAD_DIM=self.head_dim,
            CHUNK_SIZE=self.chunk,
            BLOCK_S=64,
        )
        _merge_kernel[(self.num_heads,)](
            pos,
            self.m,
            self.l,
            self.acc,
            out,
            splits,
            GROUP=self.group,
            HEAD_DIM=self.head_dim,
            CHUNK_SIZE=self.chunk,
            SPLITS_PAD=triton.next_power_of_2(splits),
            BLOCK_P=16,
            num_warps=MERGE_WARPS,
        )
        return out
