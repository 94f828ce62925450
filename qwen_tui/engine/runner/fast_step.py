"""The decode step on Triton kernels: eight launches a layer, all of fixed shape.

Activations live in buffers allocated once; the int4 GEMVs add into fp32 accumulators that
the next fused norm empties again, so a CUDA graph replays the step with no allocation, no
host sync and no zeroing kernels. Weights the fused kernels don't take (desc_act reorders,
unquantized layers) fall back to `Ops`, still inside the graph.
"""

from __future__ import annotations

from typing import TypeGuard

import torch
import torch.nn.functional as F

from qwen_tui.engine.kernels import decode_attention, moe_route
from qwen_tui.engine.kernels.decode_attention import DecodeAttention, QkSums
from qwen_tui.engine.kernels.int4_gemv import gemv_block_k, int4_gemv_into
from qwen_tui.engine.kernels.moe_decode import moe_decode_into
from qwen_tui.engine.kernels.moe_route import Prefetch, Residual, RouterRoute
from qwen_tui.engine.kernels.moe_topk import route_topk
from qwen_tui.engine.kernels.norms import add_rmsnorm
from qwen_tui.engine.kernels.qk_rope import qk_norm_rope_cache
from qwen_tui.engine.runner.ops import Ops
from qwen_tui.engine.runner.weights import (
    DenseMlp,
    Int4Weight,
    LayerWeights,
    Linear,
    ModelWeights,
    MoeMlp,
    QuantExperts,
)


class FastDecodeStep:
    def __init__(
        self,
        w: ModelWeights,
        k_cache: torch.Tensor,
        v_cache: torch.Tensor,
        cos: torch.Tensor,
        sin: torch.Tensor,
    ) -> None:
        self.w, self.k_cache, self.v_cache, self.cos, self.sin = w, k_cache, v_cache, cos, sin
        self.ops = Ops(use_triton=True)
        device, dtype = w.embed.device, w.embed.dtype
        hidden = w.embed.shape[1]
        qkv_width = (w.num_heads + 2 * w.num_kv_heads) * w.head_dim
        self.qkv = [_fuse_qkv(layer) for layer in w.layers]
        self.h = torch.zeros(1, hidden, device=device, dtype=dtype)
        self.x = torch.zeros(1, hidden, device=device, dtype=dtype)
        # The attention's and the MLP's sums apart: with the router's norm fused, the
        # attention's is still read after the MLP's has started to fill.
        self.acc_attn = torch.zeros(1, hidden, device=device, dtype=torch.float32)
        self.acc_mlp = torch.zeros(1, hidden, device=device, dtype=torch.float32)
        self.acc_qkv = torch.zeros(1, qkv_width, device=device, dtype=torch.float32)
        self.q = torch.zeros(1, w.num_heads, w.head_dim, device=device, dtype=dtype)
        self.attention = DecodeAttention(
            w.num_heads, w.num_kv_heads, w.head_dim, k_cache.shape[2], device
        )
        moe = next((layer.mlp for layer in w.layers if isinstance(layer.mlp, MoeMlp)), None)
        if moe is not None:
            self.ids = torch.zeros(1, moe.top_k, device=device, dtype=torch.int32)
            self.route_w = torch.zeros(1, moe.top_k, device=device, dtype=torch.float32)
            inter = moe.experts.gate.out_features if isinstance(moe.experts, QuantExperts) else 0
            self.gate_up = torch.zeros(
                moe.top_k, 2 * max(inter, 1), device=device, dtype=torch.float32
            )
            self.router_route = RouterRoute(_out_features(moe.router), device)

    def __call__(self, token: torch.Tensor, pos: torch.Tensor) -> torch.Tensor:
        """token [1], pos [1] int64 -> logits [V]."""
        w = self.w
        torch.index_select(w.embed, 0, token, out=self.h)
        eps = w.rms_eps
        add_rmsnorm(self.h, self.acc_mlp, w.layers[0].input_norm, self.x, eps)
        for i, layer in enumerate(w.layers):
            self._qkv_into(i, layer)
            attn = self._attention(i, layer, pos)
            self._linear_into(attn.view(1, -1), layer.o, self.acc_attn)
            after = w.layers[i + 1].input_norm if i + 1 < len(w.layers) else w.final_norm
            if moe_route.FUSE_NORM and _routed_on_triton(layer.mlp):
                residual = Residual(self.h, self.acc_attn, layer.post_norm, eps)
                self._mlp_into(layer, residual, self._prefetch(i + 1))
                add_rmsnorm(self.h, self.acc_mlp, after, self.x, eps, earlier=self.acc_attn)
            else:
                add_rmsnorm(self.h, self.acc_attn, layer.post_norm, self.x, eps)
                self._mlp_into(layer)
                add_rmsnorm(self.h, self.acc_mlp, after, self.x, eps)
        return F.linear(self.x, w.lm_head)[0]

    def _attention(self, i: int, layer: LayerWeights, pos: torch.Tensor) -> torch.Tensor:
        """Attention of the token whose q|k|v sums are in acc_qkv (emptied after)."""
        k_cache, v_cache, eps = self.k_cache[i], self.v_cache[i], self.w.rms_eps
        if decode_attention.FUSE_QK:
            sums = QkSums(self.acc_qkv, self.cos, self.sin, layer.q_norm, layer.k_norm, eps)
            return self.attention(None, k_cache, v_cache, pos, sums)
        qk_norm_rope_cache(
            self.acc_qkv,
            self.q,
            k_cache,
            v_cache,
            pos,
            self.cos,
            self.sin,
            layer.q_norm,
            layer.k_norm,
            eps,
        )
        return self.attention(self.q[0], k_cache, v_cache, pos)

    def _qkv_into(self, i: int, layer: LayerWeights) -> None:
        fused = self.qkv[i]
        if fused is not None:
            self._linear_into(self.x, fused, self.acc_qkv)
            return
        start = 0
        for proj in (layer.q, layer.k, layer.v):
            width = _out_features(proj)
            self._linear_into(self.x, proj, self.acc_qkv[:, start : start + width])
            start += width

    def _linear_into(self, x: torch.Tensor, weight: Linear, acc: torch.Tensor) -> None:
        if _gemv_ready(weight):
            int4_gemv_into(x, weight.qweight, weight.qzeros, weight.scales, weight.group_size, acc)
        else:
            acc += self.ops.linear(x, weight).float()

    def _prefetch(self, i: int) -> Prefetch | None:
        """Layer i's q|k|v weight, for the router to ask into L2 (`moe_route.PREFETCH_NEXT`)."""
        qkv = self.qkv[i] if moe_route.PREFETCH_NEXT and i < len(self.qkv) else None
        return None if qkv is None else Prefetch(qkv.qweight, qkv.scales)

    def _mlp_into(
        self,
        layer: LayerWeights,
        residual: Residual | None = None,
        prefetch: Prefetch | None = None,
    ) -> None:
        """The MLP of x into acc_mlp; with `residual`, the router norms x from it first."""
        mlp = layer.mlp
        if _fast_moe(mlp):
            assert isinstance(mlp, MoeMlp) and isinstance(mlp.experts, QuantExperts)
            if isinstance(mlp.router, torch.Tensor):  # the published router is 16-bit
                self.router_route(
                    self.x,
                    mlp.router,
                    mlp.top_k,
                    mlp.normalize,
                    self.ids,
                    self.route_w,
                    self.gate_up,
                    residual,
                    prefetch,
                )
            else:
                logits = self.ops.linear(self.x, mlp.router)
                route_topk(logits, mlp.top_k, mlp.normalize, self.ids, self.route_w, self.gate_up)
            e = mlp.experts
            moe_decode_into(
                self.x, self.ids, self.route_w, e.gate, e.up, e.down, self.gate_up, self.acc_mlp
            )
        else:
            self.acc_mlp += self.ops.mlp(self.x, mlp).float()


def graph_blockers(w: ModelWeights) -> list[str]:
    """Why the decode step cannot be captured in a CUDA graph (empty when it can): the
    fallbacks for desc_act experts and unquantized experts loop on the host."""
    blockers = []
    for i, layer in enumerate(w.layers):
        if isinstance(layer.mlp, MoeMlp) and not _fast_moe(layer.mlp):
            blockers.append(f"layer {i}: experts without the fused kernel (desc_act or 16-bit)")
    return blockers


def _fast_moe(mlp: MoeMlp | DenseMlp) -> bool:
    if not (isinstance(mlp, MoeMlp) and isinstance(mlp.experts, QuantExperts)):
        return False
    experts = mlp.experts
    return experts.ordered and all(
        p.group_size % gemv_block_k(p.group_size) == 0
        and p.in_features % gemv_block_k(p.group_size) == 0
        for p in (experts.gate, experts.up, experts.down)
    )


def _routed_on_triton(mlp: MoeMlp | DenseMlp) -> bool:
    """Experts on the fused kernels behind the fused router launch (a 16-bit router)."""
    return _fast_moe(mlp) and isinstance(mlp, MoeMlp) and isinstance(mlp.router, torch.Tensor)


def _out_features(weight: Linear) -> int:
    return weight.qweight.shape[1] if isinstance(weight, Int4Weight) else weight.shape[0]


def _gemv_ready(weight: Linear) -> TypeGuard[Int4Weight]:
    if not isinstance(weight, Int4Weight) or weight.g_idx is not None or weight.bias is not None:
        return False
    k, block_k = weight.qweight.shape[0] * 8, gemv_block_k(weight.group_size)
    return k % block_k == 0 and weight.group_size % block_k == 0


def _fuse_qkv(layer: LayerWeights) -> Int4Weight | None:
    """q, k and v side by side as one weight (one launch), when all three allow it."""
    parts = [p for p in (layer.q, layer.k, layer.v) if _gemv_ready(p)]
    if len(parts) != 3 or len({p.group_size for p in parts}) != 1:
        return None
    return Int4Weight(
        torch.cat([p.qweight for p in parts], dim=1),
        torch.cat([p.qzeros for p in parts], dim=1),
        torch.cat([p.scales for p in parts], dim=1),
        None,
        parts[0].group_size,
    )
