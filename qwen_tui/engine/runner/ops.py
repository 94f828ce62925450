"""The runner's operations, each with a Triton path and a torch reference path.

`Ops(use_triton=True)` is the fast path on the GPU (and in tests under TRITON_INTERPRET=1);
`Ops(use_triton=False)` dequantizes and uses plain torch, anywhere.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F

from qwen_tui.engine.kernels.fused_moe import Int4Experts, route
from qwen_tui.engine.runner.weights import (
    DenseExperts,
    DenseMlp,
    Int4Weight,
    Linear,
    MoeMlp,
    QuantExperts,
)


def dequantize_int4(
    qweight: torch.Tensor,
    qzeros: torch.Tensor,
    scales: torch.Tensor,
    g_idx: torch.Tensor | None,
    group_size: int,
) -> torch.Tensor:
    """The reference: W [K, N] in float32, w = (q - (z_stored + 1)) * scale."""
    shifts = torch.arange(0, 32, 4, device=qweight.device, dtype=torch.int32)
    q = (qweight.unsqueeze(1) >> shifts[None, :, None]) & 0xF  # [K/8, 8, N]
    q = q.reshape(-1, qweight.shape[-1])
    z = (qzeros.unsqueeze(2) >> shifts[None, None, :]) & 0xF  # [K/G, N/8, 8]
    z = z.reshape(qzeros.shape[0], -1) + 1
    groups = (
        g_idx.long()
        if g_idx is not None
        else (torch.arange(q.shape[0], device=q.device) // group_size)
    )
    return (q - z[groups]).float() * scales[groups].float()


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
            deq = dequantize_int4(w.qweight, w.qzeros, w.scales, w.g_idx, w.group_size)
            y = x @ deq.to(x.dtype)
        return y + w.bias if w.bias is not None else y

    def mlp(self, x: torch.Tensor, mlp: MoeMlp | DenseMlp) -> torch.Tensor:
        """x [T, H] -> [T, H]."""
        if isinstance(mlp, DenseMlp):
            return self.linear(F.silu(self.linear(x, mlp.gate)) * self.linear(x, mlp.up), mlp.down)
        logits = self.linear(x, mlp.router)
        experts = mlp.experts
        if isinstance(experts, QuantExperts) and self.use_triton:
            from qwen_tui.engine.kernels.fused_moe import fused_moe

            return fused_moe(
                x, logits, experts.gate, experts.up, experts.down, mlp.top_k, mlp.normalize
            )
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
        gate, up, down = (_expert_weight(p, e) for p in (experts.gate, experts.up, experts.down))
        return self.linear(F.silu(self.linear(x, gate)) * self.linear(x, up), down)


def _expert_weight(experts: Int4Experts, e: int) -> Int4Weight:
    return Int4Weight(
        experts.qweight[e], experts.qzeros[e], experts.scales[e], None, experts.group_size
    )


def rms_norm(x: torch.Tensor, weight: torch.Tensor, eps: float) -> torch.Tensor:
    """Qwen3's RMSNorm: normalise in fp32, scale in the input dtype."""
    xf = x.float()
    xf = xf * torch.rsqrt(xf.pow(2).mean(-1, keepdim=True) + eps)
    return weight * xf.to(x.dtype)


def apply_rope(x: torch.Tensor, cos: torch.Tensor, sin: torch.Tensor) -> torch.Tensor:
    """x [T, heads, D]; cos, sin [T, D]."""
    half = x.shape[-1] // 2
    rotated = torch.cat((-x[..., half:], x[..., :half]), dim=-1)
    return x * cos[:, None, :] + rotated * sin[:, None, :]
