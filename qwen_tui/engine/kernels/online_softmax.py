"""One step of attention's online softmax, shared by the decode and the chunk kernels.

A program holds rows of queries and walks the keys a block at a time, keeping each row's
running max `m`, its sum of exponentials `l` and its weighted values `acc` (fp32), so the
scores are never stored whole. The caller divides `acc` by `l` at the end, or hands the
three to a merge.
"""

from __future__ import annotations

import triton
import triton.language as tl


@triton.jit
def attend_block(
    q,
    k_ptr,
    v_ptr,
    offs_s,
    loaded,
    visible,
    scale,
    m_i,
    l_i,
    acc,
    HEAD_DIM: tl.constexpr,
    ROWS_MAY_SEE_NONE: tl.constexpr,
):
    """The rows of q over keys offs_s of one KV head (k_ptr, v_ptr at its row 0): `loaded`
    [BLOCK_S] says which keys to read, `visible` [rows, BLOCK_S] which a row sees.
    ROWS_MAY_SEE_NONE: some row may have seen no key after this block (its m stays -inf)."""
    offs_d = tl.arange(0, HEAD_DIM)
    rows = offs_s[:, None] * HEAD_DIM + offs_d[None, :]
    k = tl.load(k_ptr + rows, mask=loaded[:, None], other=0.0)
    scores = tl.where(visible, tl.dot(q, tl.trans(k)) * scale, float("-inf"))
    m_new = tl.maximum(m_i, tl.max(scores, axis=1))
    m_safe = m_new
    if ROWS_MAY_SEE_NONE:  # a row that has seen no key yet keeps m = -inf: exp(-inf - 0)
        m_safe = tl.where(m_new == float("-inf"), 0.0, m_new)
    alpha = tl.exp(m_i - m_safe)
    p = tl.exp(scores - m_safe[:, None])
    v = tl.load(v_ptr + rows, mask=loaded[:, None], other=0.0)
    acc = acc * alpha[:, None] + tl.dot(p.to(v.dtype), v)
    return m_new, l_i * alpha + tl.sum(p, axis=1), acc
