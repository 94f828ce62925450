"""The two launches of a prompt chunk's attention: split partials, then their merge.

Rows are (token, query head) pairs of one KV head's group, flattened as token * GROUP + g,
so a program's tile holds BLOCK_M of them whatever the group size. `_chunk_partial_kernel`:
one program per (KV head, tile of rows, split of the keys) runs an online softmax over its
split for its rows, each row seeing the keys up to its own position (start + token);
with one split it writes the normalised output itself. `_chunk_merge_kernel` combines the
splits a row reached. The chunk's start comes from a device tensor, so a CUDA graph of the
chunk serves every start.
"""

from __future__ import annotations

import triton
import triton.language as tl

from qwen_tui.engine.kernels.online_softmax import attend_block


@triton.jit
def _tile_rows(kv_head, tile, tokens, GROUP: tl.constexpr, BLOCK_M: tl.constexpr):
    """A program's rows: their index, mask, token and query head."""
    offs_r = tile * BLOCK_M + tl.arange(0, BLOCK_M)
    return offs_r, offs_r < tokens * GROUP, offs_r // GROUP, kv_head * GROUP + offs_r % GROUP


@triton.jit
def _split_size(start, tokens, splits, BLOCK_S: tl.constexpr):
    """Keys a split covers: every program splits the chunk's keys alike, so the merge
    knows which splits a row saw."""
    return tl.cdiv(tl.cdiv(start + tokens, splits), BLOCK_S) * BLOCK_S


# One binary for every chunk length and split count: the eager prefill takes any length.
@triton.jit(do_not_specialize=["tokens", "splits"])
def _chunk_partial_kernel(
    q_ptr,
    k_ptr,
    v_ptr,
    start_ptr,
    m_ptr,
    l_ptr,
    acc_ptr,
    out_ptr,
    tokens,
    splits,
    max_len,
    row_stride,
    scale,
    GROUP: tl.constexpr,
    HEAD_DIM: tl.constexpr,
    BLOCK_M: tl.constexpr,
    BLOCK_S: tl.constexpr,
    DIRECT: tl.constexpr,
    HEAVY_FIRST: tl.constexpr,
):
    kv_head = tl.program_id(0)
    tile = tl.program_id(1)
    if HEAVY_FIRST:  # the last rows see the most keys: start them first, end together
        tile = tl.num_programs(1) - 1 - tile
    split = tl.program_id(2)
    start = tl.load(start_ptr).to(tl.int32)
    rows = tokens * GROUP
    offs_r, mask_r, token, head = _tile_rows(kv_head, tile, tokens, GROUP, BLOCK_M)
    offs_d = tl.arange(0, HEAD_DIM)
    seen = start + token + 1  # keys a row attends to: the cache before it and itself
    chunk = _split_size(start, tokens, splits, BLOCK_S)
    lo = split * chunk
    last_token = tl.minimum(tokens - 1, ((tile + 1) * BLOCK_M - 1) // GROUP)
    hi = tl.minimum(lo + chunk, start + last_token + 1)
    if lo >= hi:  # no row of this tile reaches this split (the merge does not read it)
        return
    q = tl.load(
        q_ptr + (head[:, None] * tokens + token[:, None]) * HEAD_DIM + offs_d[None, :],
        mask=mask_r[:, None],
        other=0.0,
    )
    base = kv_head.to(tl.int64) * max_len * HEAD_DIM
    m_i = tl.full((BLOCK_M,), float("-inf"), tl.float32)
    l_i = tl.zeros((BLOCK_M,), tl.float32)
    acc = tl.zeros((BLOCK_M, HEAD_DIM), tl.float32)
    for s0 in range(lo, hi, BLOCK_S):
        offs_s = s0 + tl.arange(0, BLOCK_S)
        visible = offs_s[None, :] < seen[:, None]
        m_i, l_i, acc = attend_block(
            q,
            k_ptr + base,
            v_ptr + base,
            offs_s,
            offs_s < hi,
            visible,
            scale,
            m_i,
            l_i,
            acc,
            HEAD_DIM,
            True,
        )
    if DIRECT:  # one split: this is the output
        out = acc / tl.where(l_i > 0, l_i, 1.0)[:, None]
        target = out_ptr + token[:, None] * row_stride + head[:, None] * HEAD_DIM + offs_d[None, :]
        tl.store(target, out.to(out_ptr.dtype.element_ty), mask=mask_r[:, None])
    else:
        part = (kv_head * splits + split) * rows + offs_r
        tl.store(m_ptr + part, m_i, mask=mask_r)
        tl.store(l_ptr + part, l_i, mask=mask_r)
        tl.store(acc_ptr + part[:, None] * HEAD_DIM + offs_d[None, :], acc, mask=mask_r[:, None])


@triton.jit(do_not_specialize=["tokens", "splits"])
def _chunk_merge_kernel(
    start_ptr,
    m_ptr,
    l_ptr,
    acc_ptr,
    out_ptr,
    tokens,
    splits,
    row_stride,
    GROUP: tl.constexpr,
    HEAD_DIM: tl.constexpr,
    BLOCK_M: tl.constexpr,
    BLOCK_S: tl.constexpr,
):
    kv_head = tl.program_id(0)
    tile = tl.program_id(1)
    start = tl.load(start_ptr).to(tl.int32)
    rows = tokens * GROUP
    offs_r, mask_r, token, head = _tile_rows(kv_head, tile, tokens, GROUP, BLOCK_M)
    offs_d = tl.arange(0, HEAD_DIM)
    chunk = _split_size(start, tokens, splits, BLOCK_S)
    used = tl.cdiv(start + token + 1, chunk)  # the splits holding a key this row sees
    m_max = tl.full((BLOCK_M,), float("-inf"), tl.float32)
    for split in range(0, splits):
        part = (kv_head * splits + split) * rows + offs_r
        reached = mask_r & (split < used)
        m_max = tl.maximum(m_max, tl.load(m_ptr + part, mask=reached, other=float("-inf")))
    m_max = tl.where(m_max == float("-inf"), 0.0, m_max)  # padding rows: no split reached
    total = tl.zeros((BLOCK_M,), tl.float32)
    acc = tl.zeros((BLOCK_M, HEAD_DIM), tl.float32)
    for split in range(0, splits):
        part = (kv_head * splits + split) * rows + offs_r
        reached = mask_r & (split < used)
        m = tl.load(m_ptr + part, mask=reached, other=float("-inf"))
        w = tl.where(reached, tl.exp(m - m_max), 0.0)
        total += tl.load(l_ptr + part, mask=reached, other=0.0) * w
        block = tl.load(
            acc_ptr + part[:, None] * HEAD_DIM + offs_d[None, :], mask=reached[:, None], other=0.0
        )
        acc += block * w[:, None]
    out = acc / tl.where(total > 0, total, 1.0)[:, None]
    target = out_ptr + token[:, None] * row_stride + head[:, None] * HEAD_DIM + offs_d[None, :]
    tl.store(target, out.to(out_ptr.dtype.element_ty), mask=mask_r[:, None])
