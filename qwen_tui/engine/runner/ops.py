"""The runner's operations, each with a Triton path and a torch reference path.

`Ops(use_triton=True)` is the fast path on the GPU (and in tests under TRITON_INTERPRET=1);
`Ops(use_triton=False)` dequantizes and uses plain torch, anywhere.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch.nn.attention import SDPBackend, sdpa_kernel

from qwen_tui.engine.gptq.format import PackedInt4, dequantize
from qwen_tui.engine.kernels.fused_moe import Int4Experts
from qwen_tui.engine.kernels.moe_reference import route
from qwen_tui.engine.runner.weights import (
    DenseExperts,
    DenseMlp,
    Int4Weight,
    Linear,
    MoeMlp,
    QuantExperts,
)

# Let SDPA read the KV heads as they are (GQA) instead of repeated copies, for a prompt
# from position 0 (causal, no mask: flash and cuDNN take GQA; H100 4k prefill 126 -> 122 ms).
# A later chunk's queries sit at the bottom right of its causal mask. On a GPU it goes to
# flash attention's own op, whose causal mask is aligned so: a boolean mask sent SDPA to
# the memory-efficient kernel (on an H200, 916 of a 16k prompt's 1,401 ms). That op takes
# no GQA, so the KV heads repeat. (torch's CausalBias does the same, but building one fails
# in some states of torch 2.14.)
SDPA_GQA = True
# SDPA's kernels for the prefill, in order of preference. cuDNN's is left out: it builds a
# plan for each new prompt length (about 0.4 s, in the reply's path, every time a prompt of
# a new length comes), where flash attention serves every length at once.
PREFILL_SDPA_BACKENDS = ("FLASH_ATTENTION", "EFFICIENT_ATTENTION", "MATH")


def dequantize_int4(w: Int4Weight) -> torch.Tensor:
    """The reference: W [K, N] in float32 (see `gptq.format.dequantize`)."""
    k = w.qweight.shape[0] * 8
    g_idx = w.g_idx
    if g_idx is None:
        g_idx = torch.arange(k, device=w.qweight.device, dtype=torch.int32) // w.group_size
    return dequantize(PackedInt4(w.qweight, w.qzeros, w.scales, g_idx))


class Ops:
    def __init__(self, use_triton: bool) -> None:
        self.use_triton = use_triton

    def linear(self, x: torch.Tensor, w: Linear) -> torch.Tensor:
        if isinstance(w, torch.Tensor):
            return F.linear(x, w)
        if self.use_triton:
            from qwen_tui.engine.kernels.int4_matmul import int4_matmul

            y = int4_matmul(x, w.qweight, w.qzeros, w.scales, w.g_idx, w.group_size)
        else:
            y = x @ dequantize_int4(w).to(x.dtype)
        return y + w.bias if w.bias is not None else y

    def mlp(self, x: torch.Tensor, mlp: MoeMlp | DenseMlp, summed: bool = True) -> torch.Tensor:
        """x [T, H] -> [T, H]; with `summed` False, the fused MoE's weighted expert rows
        [T, k, H] unsummed, for `norms.add_rmsnorm` to sum (other MLPs still give [T, H])."""
        if isinstance(mlp, DenseMlp):
            return self.linear(F.silu(self.linear(x, mlp.gate)) * self.linear(x, mlp.up), mlp.down)
        logits = self.linear(x, mlp.router)
        experts = mlp.experts
        if isinstance(experts, QuantExperts) and experts.ordered and self.use_triton:
            from qwen_tui.engine.kernels.fused_moe import fused_moe

            projections = (experts.gate, experts.up, experts.down)
            return fused_moe(x, logits, *projections, mlp.top_k, mlp.normalize, summed)
        weights, ids = route(logits, mlp.top_k, mlp.normalize)
        out = torch.zeros_like(x, dtype=torch.float32)
        for expert in ids.unique().tolist():  # reference path: host loop is fine here
            rows, slot = (ids == expert).nonzero(as_tuple=True)
            y = self._expert(x[rows], experts, expert)
            out.index_add_(0, rows, y.float() * weights[rows, slot, None])
        return out.to(x.dtype)

    def _expert(
        self, x: torch.Tensor, experts: QuantExperts | DenseExperts, e: int
    ) -> torch.Tensor:
        if isinstance(experts, DenseExperts):
            gate, up = F.linear(x, experts.gate_up[e]).chunk(2, dim=-1)
            return F.linear(F.silu(gate) * up, experts.down[e])
        w_gate, w_up, w_down = (
            _expert_weight(p, e) for p in (experts.gate, experts.up, experts.down)
        )
        return self.linear(F.silu(self.linear(x, w_gate)) * self.linear(x, w_up), w_down)


def _expert_weight(experts: Int4Experts, e: int) -> Int4Weight:
    g_idx = experts.g_idx[e] if experts.g_idx is not None else None
    return Int4Weight(
        experts.qweight[e], experts.qzeros[e], experts.scales[e], g_idx, experts.group_size
    )


def rms_norm(x: torch.Tensor, weight: torch.Tensor, eps: float) -> torch.Tensor:
    """Qwen3's RMSNorm: normalise in fp32, scale in the input dtype."""
    xf = x.float()
    xf = xf * torch.rsqrt(xf.pow(2).mean(-1, keepdim=True) + eps)
    return weight * xf.to(x.dtype)


def causal_attention(
    q: torch.Tensor, k_cache: torch.Tensor, v_cache: torch.Tensor, start: int, end: int
) -> torch.Tensor:
    """q [T, heads, D] at positions start..end-1 over one layer's cache [kv, max_len, D] up
    to `end` -> [T, heads * D]. SDPA picks a fused (flash) kernel; a q laid out head-major
    underneath ([heads, T, D] transposed) goes in without a copy."""
    keys, values = k_cache[None, :, :end], v_cache[None, :, :end]
    gqa = SDPA_GQA and start == 0
    if not gqa:  # repeat the KV heads for their query groups (a copy of each)
        group = q.shape[1] // k_cache.shape[0]
        keys = keys.repeat_interleave(group, dim=1)
        values = values.repeat_interleave(group, dim=1)
    query = q.transpose(0, 1)[None]
    if start > 0 and q.is_cuda and q.dtype in (torch.float16, torch.bfloat16):
        # bottom-right causal: what flash's own op computes
        flash: torch.Tensor = torch.ops.aten._scaled_dot_product_flash_attention(
            query, keys, values, 0.0, is_causal=True
        )[0]
        return flash[0].transpose(0, 1).reshape(q.shape[0], -1)
    mask = None
    if start > 0:
        rows = torch.arange(start, end, device=q.device)[:, None]
        mask = torch.arange(end, device=q.device)[None, :] <= rows
    with sdpa_kernel([getattr(SDPBackend, name) for name in PREFILL_SDPA_BACKENDS]):
        out = F.scaled_dot_product_attention(
            query, keys, values, attn_mask=mask, is_causal=mask is None, enable_gqa=gqa
        )
    return out[0].transpose(0, 1).reshape(q.shape[0], -1)


def apply_rope(x: torch.Tensor, cos: torch.Tensor, sin: torch.Tensor) -> torch.Tensor:
    """x [T, heads, D]; cos, sin [T, D]."""
    half = x.shape[-1] // 2
    rotated = torch.cat((-x[..., half:], x[..., :half]), dim=-1)
    return x * cos[:, None, :] + rotated * sin[:, None, :]
