"""The two launches of the decode attention: chunk partials, then their merge.

`_partial_kernel`: one program per (KV head, chunk of the sequence) runs an online softmax
over its chunk for the group of query heads sharing that KV head and stores (max, sum,
weighted values). With QK_FROM_SUMS it first makes its own q from the q|k|v projection's
fp32 sums (norm + rope), and the program whose chunk holds the current position also writes
that position's k and v into the cache; with RESIDUAL_IN the sums are of the layer's
un-normed input, so it scales them by the input norm's 1/rms first, and the first chunk's
programs update the residual stream (`residual_input.py`). `_merge_kernel`: one program
per query head combines the chunks, and empties the sums when the partials took q from
them.
"""

from __future__ import annotations

import triton
import triton.language as tl

from qwen_tui.engine.kernels.launch_overlap import after_previous_kernel
from qwen_tui.engine.kernels.moe_topk import clear_slice
from qwen_tui.engine.kernels.online_softmax import attend_block
from qwen_tui.engine.kernels.qk_rope import norm_rope_rows
from qwen_tui.engine.kernels.residual_input import inverse_rms, settle_residual


@triton.jit
def _partial_kernel(
    q_ptr,
    k_ptr,
    v_ptr,
    pos_ptr,
    m_ptr,
    l_ptr,
    acc_ptr,
    qkv_ptr,
    cos_ptr,
    sin_ptr,
    qn_ptr,
    kn_ptr,
    h_ptr,
    attn_ptr,
    mlp_ptr,
    squares_ptr,
    hidden,
    eps,
    scale,
    max_len,
    splits,
    num_heads,
    num_kv_heads,
    GROUP: tl.constexpr,
    GROUP_PAD: tl.constexpr,
    HEAD_DIM: tl.constexpr,
    CHUNK_SIZE: tl.constexpr,
    BLOCK_S: tl.constexpr,
    QK_FROM_SUMS: tl.constexpr,
    RESIDUAL_IN: tl.constexpr,
    RESIDUAL_BLOCK: tl.constexpr,
    PDL: tl.constexpr,
):
    after_previous_kernel(PDL)
    kv_head = tl.program_id(0)
    split = tl.program_id(1)
    inv_rms = 1.0
    if RESIDUAL_IN:  # the q|k|v GEMV read h + attn + mlp un-normed
        inv_rms = inverse_rms(squares_ptr, hidden, eps)
        if split == 0:  # nothing else reads them now: h takes its sums, one part a program
            settle_residual(h_ptr, attn_ptr, mlp_ptr, kv_head, num_kv_heads, hidden, RESIDUAL_BLOCK)
    pos = tl.load(pos_ptr).to(tl.int32)
    seq_len = pos + 1  # the current token is in the cache
    start = split * CHUNK_SIZE
    if start >= seq_len:
        return
    offs_g = tl.arange(0, GROUP_PAD)
    offs_d = tl.arange(0, HEAD_DIM)
    mask_g = offs_g < GROUP
    q_rows = kv_head * GROUP + offs_g
    base = kv_head.to(tl.int64) * max_len * HEAD_DIM
    dtype = k_ptr.dtype.element_ty
    if QK_FROM_SUMS:  # q (and the current k, v) from the q|k|v projection's fp32 sums
        q = norm_rope_rows(
            qkv_ptr, q_rows, mask_g, qn_ptr, cos_ptr, sin_ptr, pos, eps, HEAD_DIM, dtype, inv_rms
        ).to(dtype)
        if pos < start + CHUNK_SIZE:  # this chunk holds the current position: write its row
            first = offs_g == 0
            k_rows = tl.where(first, num_heads + kv_head, 0)
            k = norm_rope_rows(
                qkv_ptr, k_rows, first, kn_ptr, cos_ptr, sin_ptr, pos, eps, HEAD_DIM, dtype, inv_rms
            )
            v_row = qkv_ptr + (num_heads + num_kv_heads + kv_head) * HEAD_DIM + offs_d
            row = base + pos * HEAD_DIM + offs_d[None, :]
            tl.store(k_ptr + row + 0 * offs_g[:, None], k.to(dtype), mask=first[:, None])
            v = (tl.load(v_row) * inv_rms).to(dtype)
            tl.store(v_ptr + base + pos * HEAD_DIM + offs_d, v)
            tl.debug_barrier()  # the row is read back below by the program's other threads
    else:
        q = tl.load(
            q_ptr + q_rows[:, None] * HEAD_DIM + offs_d[None, :], mask=mask_g[:, None], other=0.0
        )
    m_i = tl.full((GROUP_PAD,), float("-inf"), tl.float32)
    l_i = tl.zeros((GROUP_PAD,), tl.float32)
    acc = tl.zeros((GROUP_PAD, HEAD_DIM), tl.float32)
    for s0 in range(start, start + CHUNK_SIZE, BLOCK_S):
        offs_s = s0 + tl.arange(0, BLOCK_S)
        mask_s = offs_s < seq_len
        m_i, l_i, acc = attend_block(
            q,
            k_ptr + base,
            v_ptr + base,
            offs_s,
            mask_s,
            mask_s[None, :],
            scale,
            m_i,
            l_i,
            acc,
            HEAD_DIM,
            False,
        )
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
    clear_ptr,
    clear_n,
    squares_ptr,
    splits,
    GROUP: tl.constexpr,
    HEAD_DIM: tl.constexpr,
    CHUNK_SIZE: tl.constexpr,
    SPLITS_PAD: tl.constexpr,
    BLOCK_P: tl.constexpr,
    CLEAR_BLOCK: tl.constexpr,
    RESIDUAL_IN: tl.constexpr,
    PDL: tl.constexpr,
):
    after_previous_kernel(PDL)
    head = tl.program_id(0)
    if RESIDUAL_IN and head == 0:  # every partial read the squares' total: empty it
        tl.store(squares_ptr, 0.0)
    if CLEAR_BLOCK > 0:  # the q|k|v sums were read by every partial: empty them for the next layer
        clear_slice(clear_ptr, head, CLEAR_BLOCK, clear_n)
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
