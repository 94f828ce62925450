"""Reading GPTQ int4 tiles inside Triton kernels: the pieces every int4 kernel shares.

Layout (checkpoint_format "gptq"): `qweight [K/8, N]` int32 holds rows 8r..8r+7 of W in
packed row r, lowest bits first; `qzeros [K/G, N/8]` packs the zero points along N, stored
as the real zero minus one; `scales [K/G, N]`.
"""

from __future__ import annotations

import triton
import triton.language as tl


@triton.jit
def unpacked_rows(qw_ptr, offs_k8, offs_n, mask_n, N):
    """q [len(offs_k8), 8, len(offs_n)] int32 in 0..15: W rows 8r + j for packed rows r.
    Each int32 is loaded once and unpacked with shifts in registers."""
    packed = tl.load(qw_ptr + offs_k8[:, None] * N + offs_n[None, :], mask=mask_n[None, :], other=0)
    return (packed[:, None, :] >> (tl.arange(0, 8) * 4)[None, :, None]) & 0xF


@triton.jit
def group_scale_zero(qz_ptr, sc_ptr, group, offs_n, mask_n, N):
    """(scale, real zero) of one group for columns offs_n, both fp32 [len(offs_n)]."""
    scale = tl.load(sc_ptr + group * N + offs_n, mask=mask_n, other=0.0).to(tl.float32)
    packed = tl.load(qz_ptr + group * (N // 8) + offs_n // 8, mask=mask_n, other=0)
    zero = (((packed >> ((offs_n % 8) * 4)) & 0xF) + 1).to(tl.float32)
    return scale, zero
