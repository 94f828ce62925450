"""Overlapping a decode kernel with the one before it: programmatic dependent launch.

A decode step is about 500 short kernels, and each spends a good part of its few
microseconds getting started: launching, then waiting for its first weights to arrive from
memory. With programmatic dependent launch (PDL, sm_90 and later) a kernel may start while
the one before it is still running: it first asks for the weights it will read (they do
not depend on the kernel before) into L2, then waits until the kernel before has finished
and its writes are visible (`griddepcontrol.wait`), and only then reads activations or
writes anything. Each kernel lets the next one start once it is past its own wait, so at
most one kernel runs ahead.

On an H200 it took decode from 369 to 399 tok/s at 1k and from 269 to 287 at 32k, with
the same tokens (`benchmarks/runner_speed.py --variants --pdl`, `gpu_parity.py --set`).
Triton's CPU interpreter cannot run the instructions, so there the kernels never take it;
GPUs before sm_90 launch as before.
"""

from __future__ import annotations

from typing import Any

import triton
import triton.language as tl
from triton.language.extra.cuda import gdc_launch_dependents, gdc_wait

PDL = True
LINE_INT32 = tl.constexpr(32)  # int32 values in a 128-byte cache line


def launch_options(pdl: bool) -> dict[str, Any]:
    """Extra launch arguments for a kernel taking part (`PDL` constexpr set to `pdl`)."""
    return {"launch_pdl": True} if pdl else {}


@triton.jit
def after_previous_kernel(PDL: tl.constexpr):
    """Wait for the kernel before (its writes visible), then let the next one start."""
    if PDL:
        gdc_wait()
        gdc_launch_dependents()


@triton.jit
def prefetch_l2(ptrs, PDL: tl.constexpr):
    """Ask for the cache lines at `ptrs` (one pointer a line) to be brought into L2."""
    if PDL:
        tl.inline_asm_elementwise(
            "mov.u32 $0, 0; prefetch.global.L2 [$1];",
            "=r,l",
            [ptrs],
            dtype=tl.int32,
            is_pure=False,
            pack=1,
        )


@triton.jit
def prefetch_int4_tiles(
    qw_ptr, sc_ptr, k_lo, k_hi, col0, N, group_size, BLOCK_K: tl.constexpr, BLOCK_N: tl.constexpr
):
    """Prefetch a GEMV program's packed weights (rows k_lo..k_hi of W, columns col0 ..
    col0 + BLOCK_N) and their scales into L2; the int32 rows hold eight K rows each."""
    lines = col0 + tl.arange(0, BLOCK_N // LINE_INT32) * LINE_INT32
    for k0 in range(k_lo, k_hi, BLOCK_K):
        rows = k0 // 8 + tl.arange(0, BLOCK_K // 8)
        prefetch_l2(qw_ptr + rows[:, None] * N + lines[None, :], True)
        prefetch_l2(sc_ptr + (k0 // group_size) * N + col0 + tl.arange(0, 1), True)


@triton.jit
def prefetch_share(ptr, lines, LINE: tl.constexpr, BLOCK: tl.constexpr, PDL: tl.constexpr):
    """Prefetch this program's share of `lines` cache lines (`LINE` elements each) from
    `ptr` into L2, `BLOCK` lines at a time: a weight a later kernel will read."""
    pid, programs = tl.program_id(0), tl.num_programs(0)
    share = tl.cdiv(lines, programs)
    for first in range(pid * share, tl.minimum(pid * share + share, lines), BLOCK):
        line = tl.minimum(first + tl.arange(0, BLOCK), lines - 1)  # no masks: clamp instead
        prefetch_l2(ptr + line.to(tl.int64) * LINE, PDL)


def enabled(device_type: str) -> bool:
    """PDL for launches on this device: on a CUDA GPU of sm_90 or later, when switched on."""
    if not PDL or device_type != "cuda":
        return False
    import torch

    return torch.cuda.get_device_capability()[0] >= 9
