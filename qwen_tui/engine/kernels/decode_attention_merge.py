"""Merging the decode attention's chunk partials into each query head's output.

Each chunk left (max, sum, weighted values) per query head; the output is their
softmax-weighted mean. Two ways to run it:

- `merge_in_last_program` (`decode_attention.FUSE_MERGE`): inside the partials' launch,
  the last program of each KV head to finish (an atomic counter per KV head,
  acquire/release) merges that head's group, so a layer needs no launch for it. It also
  empties that KV head's rows of the q|k|v sums, which only its own programs read.
- `_merge_kernel`: a launch of its own, one program per query head, as before.
"""

from __future__ import annotations

import triton
import triton.language as tl

from qwen_tui.engine.kernels.launch_overlap import after_previous_kernel

NONE_YET = tl.constexpr(-1e30)  # a finite "no chunk yet": -inf - -inf would make the rescale NaN


@triton.jit
def merge_in_last_program(
    counter_ptr,
    m_ptr,
    l_ptr,
    acc_ptr,
    out_ptr,
    qkv_ptr,
    kv_head,
    splits,
    used,
    num_heads,
    num_kv_heads,
    GROUP: tl.constexpr,
    MERGE_GROUP: tl.constexpr,
    HEAD_DIM: tl.constexpr,
    BLOCK_P: tl.constexpr,
    CLEAR: tl.constexpr,
):
    """Called by every program of `kv_head` once its partials are stored."""
    tl.debug_barrier()  # every thread's partials are written before the count says so
    # acq_rel: the others' partials are visible to the program that sees the last count.
    if tl.atomic_add(counter_ptr + kv_head, 1) == used - 1:
        offs_p = tl.arange(0, BLOCK_P)
        offs_g = tl.arange(0, MERGE_GROUP)
        offs_d = tl.arange(0, HEAD_DIM)
        mask_g = offs_g < GROUP
        m_run = tl.full((MERGE_GROUP,), NONE_YET, tl.float32)
        l_run = tl.zeros((MERGE_GROUP,), tl.float32)
        acc = tl.zeros((MERGE_GROUP, HEAD_DIM), tl.float32)
        for p0 in range(0, used, BLOCK_P):
            rows = (kv_head * splits + p0 + offs_p)[:, None] * GROUP + offs_g[None, :]
            mask = ((p0 + offs_p) < used)[:, None] & mask_g[None, :]
            m = tl.load(m_ptr + rows, mask=mask, other=NONE_YET, cache_modifier=".cg")
            sums = tl.load(l_ptr + rows, mask=mask, other=0.0, cache_modifier=".cg")
            block = tl.load(
                acc_ptr + rows[:, :, None] * HEAD_DIM + offs_d[None, None, :],
                mask=mask[:, :, None],
                other=0.0,
                cache_modifier=".cg",
            )
            m_new = tl.maximum(m_run, tl.max(m, axis=0))
            alpha = tl.exp(m_run - m_new)
            w = tl.exp(m - m_new[None, :])
            l_run = l_run * alpha + tl.sum(sums * w, axis=0)
            acc = acc * alpha[:, None] + tl.sum(block * w[:, :, None], axis=0)
            m_run = m_new
        heads = kv_head * GROUP + offs_g
        total = tl.where(mask_g, l_run, 1.0)  # the padding rows' 0 / 0 is never stored
        out = (acc / total[:, None]).to(out_ptr.dtype.element_ty)
        tl.store(out_ptr + heads[:, None] * HEAD_DIM + offs_d[None, :], out, mask=mask_g[:, None])
        if CLEAR:  # this KV head's q rows, then its k and v rows
            zeros = tl.zeros((MERGE_GROUP, HEAD_DIM), tl.float32)
            q_rows = qkv_ptr + heads[:, None] * HEAD_DIM + offs_d[None, :]
            tl.store(q_rows, zeros, mask=mask_g[:, None])
            k_row = qkv_ptr + (num_heads + kv_head) * HEAD_DIM + offs_d
            tl.store(k_row, tl.zeros((HEAD_DIM,), tl.float32))
            tl.store(k_row + num_kv_heads * HEAD_DIM, tl.zeros((HEAD_DIM,), tl.float32))
        tl.store(counter_ptr + kv_head, 0)  # ready for the next layer's launch


@triton.jit
def _merge_kernel(
    pos_ptr,
    m_ptr,
    l_ptr,
    acc_ptr,
    out_ptr,
    clear_ptr,
    clear_n,
    splits,
    GROUP: tl.constexpr,
    HEAD_DIM: tl.constexpr,
    CHUNK_SIZE: tl.constexpr,
    SPLITS_PAD: tl.constexpr,
    BLOCK_P: tl.constexpr,
    CLEAR_BLOCK: tl.constexpr,
    PDL: tl.constexpr,
):
    after_previous_kernel(PDL)
    head = tl.program_id(0)
    if CLEAR_BLOCK > 0:  # the q|k|v sums were read by every partial: empty them for the next layer
        offs_c = head * CLEAR_BLOCK + tl.arange(0, CLEAR_BLOCK)
        tl.store(clear_ptr + offs_c, tl.zeros((CLEAR_BLOCK,), tl.float32), mask=offs_c < clear_n)
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
