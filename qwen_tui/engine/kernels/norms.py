"""The residual add and RMSNorm between the matmuls of a decode step or a prefill.

`add_rmsnorm`: h += bf16(acc); x = RMSNorm(h) * weight; acc = 0, in one launch. At decode
the fp32 accumulators of the int4 GEMVs are emptied here, ready for the next step's
atomics; a prefill passes the matmuls' bf16 outputs and leaves them as they are. At decode
an `earlier` accumulator may be added (and emptied) first: the attention's output, when the
router normed it for the experts itself (`moe_route.py`) and only the residual is left. A
prefill may pass its MoE's top-k expert outputs unsummed ([T, k, H]): the sum over them is
taken here, rounded once as torch's sum rounds it, instead of in a launch of its own.
Rounding follows transformers: each sum is rounded to the model's dtype where it rounds.
(The q/k norm and rotary step is `qk_rope.py`.)
"""

from __future__ import annotations

import torch
import triton
import triton.language as tl

from qwen_tui.engine.kernels import launch_overlap
from qwen_tui.engine.kernels.launch_overlap import after_previous_kernel
from qwen_tui.engine.kernels.tuning import INTERPRETED_ROWS, interpreted


@triton.jit
def residual_add(h, acc):
    """h + acc in h's dtype, rounded where the model rounds a residual add."""
    return (h.to(tl.float32) + acc.to(h.dtype).to(tl.float32)).to(h.dtype)


@triton.jit
def weighted_rms_norm(h, w, eps, H):
    """RMSNorm(h) * w over h's last axis (h in the model's dtype), in fp32: the norm is
    rounded to h's dtype before the weight, as the model rounds it."""
    hf = h.to(tl.float32)
    normed = hf * tl.rsqrt(tl.sum(hf * hf, axis=-1, keep_dims=True) / H + eps)
    return w.to(tl.float32) * normed.to(h.dtype).to(tl.float32)


@triton.jit(do_not_specialize=["T"])  # one binary for every prompt length
def _add_rmsnorm_kernel(
    h_ptr,
    earlier_ptr,
    acc_ptr,
    w_ptr,
    x_ptr,
    T,
    H,
    eps,
    BLOCK_T: tl.constexpr,
    BLOCK: tl.constexpr,
    HAS_EARLIER: tl.constexpr,
    HAS_ACC: tl.constexpr,
    ACC_ROWS: tl.constexpr,
    CLEAR: tl.constexpr,
    PDL: tl.constexpr,
):
    after_previous_kernel(PDL)
    rows = tl.program_id(0) * BLOCK_T + tl.arange(0, BLOCK_T)[:, None]
    offs = tl.arange(0, BLOCK)[None, :]
    mask = (rows < T) & (offs < H)
    at = rows * H + offs
    h = tl.load(h_ptr + at, mask=mask, other=0.0)
    if HAS_EARLIER:  # the model's first residual add, rounded on its own
        earlier = tl.load(earlier_ptr + at, mask=mask, other=0.0)
        h = residual_add(h, earlier)
        tl.store(earlier_ptr + at, tl.zeros_like(earlier), mask=mask)
    if HAS_ACC:
        if ACC_ROWS == 1:
            acc = tl.load(acc_ptr + at, mask=mask, other=0.0)
        else:  # a token's ACC_ROWS rows, summed in fp32 and rounded once
            summed = tl.zeros((BLOCK_T, BLOCK), tl.float32)
            for j in tl.static_range(ACC_ROWS):
                row_at = (rows * ACC_ROWS + j) * H + offs
                summed += tl.load(acc_ptr + row_at, mask=mask, other=0.0).to(tl.float32)
            acc = summed.to(acc_ptr.dtype.element_ty)
        h = residual_add(h, acc)
        tl.store(h_ptr + at, h, mask=mask)
        if CLEAR:
            tl.store(acc_ptr + at, tl.zeros_like(acc), mask=mask)
    w = tl.load(w_ptr + offs, mask=offs < H, other=0.0)
    x = weighted_rms_norm(h, w, eps, H)
    tl.store(x_ptr + at, x.to(x_ptr.dtype.element_ty), mask=mask)


def add_rmsnorm(
    h: torch.Tensor,
    acc: torch.Tensor | None,
    weight: torch.Tensor,
    x: torch.Tensor,
    eps: float,
    clear: bool = True,
    earlier: torch.Tensor | None = None,
) -> None:
    """h [T, H] += acc (fp32 or the model dtype; zeroed after when `clear`);
    x [T, H] = RMSNorm(h) * weight. With acc None, h is only normed. `earlier` (fp32, like
    acc) is added to h before acc, rounded on its own, and always zeroed. An acc of
    [T, k, H] (the model's dtype, never cleared) adds each token's k rows' sum."""
    T, H = h.shape
    acc_rows = acc.shape[1] if acc is not None and acc.dim() == 3 else 1
    if acc_rows > 1 and clear:
        raise ValueError("rows summed into the residual are read-only: pass clear=False")
    block_t = min(triton.next_power_of_2(T), INTERPRETED_ROWS) if interpreted() else 1
    pdl = T == 1 and launch_overlap.enabled(h.device.type)  # a decode step's
    _add_rmsnorm_kernel[(triton.cdiv(T, block_t),)](
        h,
        h if earlier is None else earlier,  # placeholder pointers where nothing is added
        h if acc is None else acc,
        weight,
        x,
        T,
        H,
        eps,
        BLOCK_T=block_t,
        BLOCK=triton.next_power_of_2(H),
        HAS_EARLIER=earlier is not None,
        HAS_ACC=acc is not None,
        ACC_ROWS=acc_rows,
        CLEAR=clear and acc is not None,
        PDL=pdl,
        **launch_overlap.launch_options(pdl),
    )
