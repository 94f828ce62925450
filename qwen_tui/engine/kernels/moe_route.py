"""Routing a token to its experts at decode: router logits, softmax, top-k, in one launch.

`router_route` computes the router's logits (a 128 x 2048 GEMV) across many programs, each
taking a few experts, and the last program to finish picks the top-k: it sees every
program's logits through an atomic counter (acquire/release), so no second launch is
needed. The same launch also clears the gate/up accumulator the experts add into next.
The softmax and top-k are `moe_topk.pick_top_k`, shared with `route_topk` there.

With `residual` given (`FUSE_NORM`), the launch also does the residual add and RMSNorm
before it: every program norms h + bf16(acc) itself (2,048 values, cheap beside its slice
of the router) and the first writes x for the experts, so a layer needs one launch fewer.
h itself is left alone, since other programs still read it; the norm after the experts
adds acc (`add_rmsnorm(..., earlier=acc)`).

With `prefetch` given (`PREFETCH_NEXT`, a candidate not yet timed), the programs also ask
for the next layer's q|k|v weight into L2 as they end, so that its GEMV, a few kernels
later, finds it there after the experts' long reads instead of starting its own requests.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
import triton
import triton.language as tl

from qwen_tui.engine.kernels import launch_overlap
from qwen_tui.engine.kernels.launch_overlap import (
    LINE_INT32,
    after_previous_kernel,
    prefetch_share,
)
from qwen_tui.engine.kernels.moe_topk import clear_share, clear_slice, pick_top_k
from qwen_tui.engine.kernels.norms import residual_add, weighted_rms_norm

TARGET_PROGRAMS = 64  # enough programs that the router's 0.5 MB is one wave of loads
WARPS = 1  # the top-k's reductions stay inside one warp: shuffles, no barriers
# The decode step's norm before the router in this launch (see above): on an H200, 427.8
# tok/s at 1k and 294.7 at 32k against 422.3 and 290.7 apart, the same tokens (NOTES.md).
FUSE_NORM = True
PREFETCH_NEXT = False  # see above; runner_speed.py --variants tries it


@dataclass(frozen=True)
class Prefetch:
    """A packed int4 weight (int32) and its scales (16-bit), to bring into L2."""

    qweight: torch.Tensor
    scales: torch.Tensor

    def kernel_args(self) -> tuple[torch.Tensor, int, torch.Tensor, int]:
        lines = (self.qweight.numel() * 4 // 128, self.scales.numel() * 2 // 128)
        return self.qweight, max(1, lines[0]), self.scales, max(1, lines[1])


@dataclass(frozen=True)
class Residual:
    """The residual stream the router's input is normed from: x = RMSNorm(h + acc) * norm."""

    h: torch.Tensor
    acc: torch.Tensor
    norm: torch.Tensor
    eps: float

    def kernel_args(self) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor, float]:
        return self.h, self.acc, self.norm, self.eps


@triton.jit
def _router_route_kernel(
    x_ptr,
    router_ptr,
    logits_ptr,
    counter_ptr,
    ids_ptr,
    weights_ptr,
    clear_ptr,
    clear_n,
    h_ptr,
    acc_ptr,
    norm_ptr,
    eps,
    next_qw_ptr,
    next_qw_lines,
    next_sc_ptr,
    next_sc_lines,
    E,
    H,
    TOP_K: tl.constexpr,
    TOP_K_PAD: tl.constexpr,
    E_PAD: tl.constexpr,
    NORMALIZE: tl.constexpr,
    EXPERTS_PER_PROGRAM: tl.constexpr,
    H_PAD: tl.constexpr,
    CLEAR_BLOCK: tl.constexpr,
    NORM: tl.constexpr,
    PREFETCH: tl.constexpr,
    PDL: tl.constexpr,
):
    pid = tl.program_id(0)
    offs_e = pid * EXPERTS_PER_PROGRAM + tl.arange(0, EXPERTS_PER_PROGRAM)
    offs_h = tl.arange(0, H_PAD)
    mask_e, mask_h = offs_e < E, offs_h < H
    # The router's weights do not depend on the kernel before: read them first.
    w = tl.load(
        router_ptr + offs_e[:, None] * H + offs_h[None, :],
        mask=mask_e[:, None] & mask_h[None, :],
        other=0.0,
    )
    after_previous_kernel(PDL)
    if NORM:
        x = _normed_residual(h_ptr, acc_ptr, norm_ptr, eps, offs_h, mask_h, H)
        x = x.to(x_ptr.dtype.element_ty)
        if pid == 0:
            tl.store(x_ptr + offs_h, x, mask=mask_h)
    else:
        x = tl.load(x_ptr + offs_h, mask=mask_h, other=0.0)
    logits = tl.sum(w.to(tl.float32) * x.to(tl.float32)[None, :], axis=1)
    # Round where the model's linear layer rounds its output.
    logits = logits.to(x_ptr.dtype.element_ty).to(tl.float32)
    tl.store(logits_ptr + offs_e, logits, mask=mask_e)
    clear_slice(clear_ptr, pid, CLEAR_BLOCK, clear_n)
    # acq_rel: this program's logits are visible before the count says so.
    if tl.atomic_add(counter_ptr, 1) == tl.num_programs(0) - 1:
        offs = tl.arange(0, E_PAD)
        everyone = tl.load(
            logits_ptr + offs, mask=offs < E, other=float("-inf"), cache_modifier=".cg"
        )
        pick_top_k(everyone, offs, ids_ptr, weights_ptr, E_PAD, TOP_K, TOP_K_PAD, NORMALIZE)
        tl.store(counter_ptr, 0)  # ready for the next layer's launch
    if PREFETCH:
        prefetch_share(next_qw_ptr, next_qw_lines, LINE_INT32, 32, PDL)
        prefetch_share(next_sc_ptr, next_sc_lines, 64, 32, PDL)  # 64 16-bit scales a line


@triton.jit
def _normed_residual(h_ptr, acc_ptr, norm_ptr, eps, offs_h, mask_h, H):
    """RMSNorm(h + acc) * norm, rounded as `norms.add_rmsnorm` rounds it."""
    h = tl.load(h_ptr + offs_h, mask=mask_h, other=0.0)
    acc = tl.load(acc_ptr + offs_h, mask=mask_h, other=0.0)
    weight = tl.load(norm_ptr + offs_h, mask=mask_h, other=0.0)
    return weighted_rms_norm(residual_add(h, acc), weight, eps, H)


class RouterRoute:
    """Workspace of the fused router + top-k launch for one token: fp32 logits and the
    programs' counter, allocated once so a CUDA graph can replay the launch."""

    def __init__(self, num_experts: int, device: torch.device) -> None:
        self.logits = torch.zeros(num_experts, device=device, dtype=torch.float32)
        self.counter = torch.zeros(1, device=device, dtype=torch.int32)

    def __call__(
        self,
        x: torch.Tensor,
        router: torch.Tensor,
        top_k: int,
        normalize: bool,
        ids: torch.Tensor,
        weights: torch.Tensor,
        clear: torch.Tensor,
        residual: Residual | None = None,
        prefetch: Prefetch | None = None,
    ) -> None:
        """x [1, H], router [E, H] (the model's dtype) -> ids [1, k] int32 and weights [1, k]
        fp32, in place; zeroes `clear` (fp32, any shape). With `residual`, x is written
        first, normed from it; with `prefetch`, that weight is asked into L2."""
        E, H = router.shape
        per_program = max(1, triton.next_power_of_2(triton.cdiv(E, TARGET_PROGRAMS)))
        programs = triton.cdiv(E, per_program)
        pdl = launch_overlap.enabled(x.device.type)
        _router_route_kernel[(programs,)](
            x,
            router,
            self.logits,
            self.counter,
            ids,
            weights,
            clear,
            clear.numel(),
            *((x, x, x, 0.0) if residual is None else residual.kernel_args()),
            *((x, 1, x, 1) if prefetch is None else prefetch.kernel_args()),
            E,
            H,
            TOP_K=top_k,
            TOP_K_PAD=triton.next_power_of_2(top_k),
            E_PAD=triton.next_power_of_2(E),
            NORMALIZE=normalize,
            EXPERTS_PER_PROGRAM=per_program,
            H_PAD=triton.next_power_of_2(H),
            CLEAR_BLOCK=clear_share(clear.numel(), programs),
            NORM=residual is not None,
            PREFETCH=prefetch is not None and pdl,
            PDL=pdl,
            num_warps=WARPS,
            **launch_overlap.launch_options(pdl),
        )
