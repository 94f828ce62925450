"""The decode step on Triton kernels: eight launches a layer, all of fixed shape (fewer
with the candidates `residual_input.NORM_INPUT` and `merged_o_gemv.FOLD_MERGE`).

Activations live in buffers allocated once; the int4 GEMVs add into fp32 accumulators that
the next fused norm empties again, so a CUDA graph replays the step with no allocation, no
host sync and no zeroing kernels. Weights the fused kernels don't take (desc_act reorders,
unquantized layers, `step_weights.py`) fall back to `Ops`, still inside the graph.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F

from qwen_tui.engine.kernels import decode_attention, moe_route, residual_input
from qwen_tui.engine.kernels.decode_attention import DecodeAttention, QkSums
from qwen_tui.engine.kernels.int4_gemv import int4_gemv_into
from qwen_tui.engine.kernels.merged_o_gemv import folds, merged_o_gemv_into
from qwen_tui.engine.kernels.moe_decode import moe_decode_into
from qwen_tui.engine.kernels.moe_route import Prefetch, Residual, RouterRoute
from qwen_tui.engine.kernels.moe_topk import route_topk
from qwen_tui.engine.kernels.norms import add_rmsnorm
from qwen_tui.engine.kernels.qk_rope import qk_norm_rope_cache
from qwen_tui.engine.kernels.residual_input import ResidualInput
from qwen_tui.engine.runner.ops import Ops
from qwen_tui.engine.runner.step_weights import (
    fast_moe,
    fuse_qkv,
    gemv_ready,
    out_features,
    routed_on_triton,
)
from qwen_tui.engine.runner.weights import LayerWeights, Linear, ModelWeights, MoeMlp, QuantExperts


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
        self.qkv = [fuse_qkv(layer) for layer in w.layers]
        self._fused_everywhere = all(
            qkv is not None and routed_on_triton(layer.mlp)
            for qkv, layer in zip(self.qkv, w.layers, strict=True)
        )
        self.squares = torch.zeros(1, device=w.embed.device, dtype=torch.float32)
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
            self.router_route = RouterRoute(out_features(moe.router), device)

    def __call__(self, token: torch.Tensor, pos: torch.Tensor) -> torch.Tensor:
        """token [1], pos [1] int64 -> logits [V]."""
        w = self.w
        torch.index_select(w.embed, 0, token, out=self.h)
        eps = w.rms_eps
        norm_in_qkv = self._norm_in_qkv()
        if not norm_in_qkv:
            add_rmsnorm(self.h, self.acc_mlp, w.layers[0].input_norm, self.x, eps)
        last = len(w.layers) - 1
        for i, layer in enumerate(w.layers):
            stream = None
            if norm_in_qkv:
                sums = (self.acc_attn, self.acc_mlp)
                stream = ResidualInput(self.h, *sums, layer.input_norm, self.squares)
            self._qkv_into(i, layer, stream)
            self._attention_into_o(i, layer, pos, stream)
            after = w.layers[i + 1].input_norm if i < last else w.final_norm
            if moe_route.FUSE_NORM and routed_on_triton(layer.mlp):
                residual = Residual(self.h, self.acc_attn, layer.post_norm, eps)
                self._mlp_into(layer, residual, self._prefetch(i + 1))
                if not norm_in_qkv or i == last:  # else the next q|k|v GEMV norms it
                    add_rmsnorm(self.h, self.acc_mlp, after, self.x, eps, earlier=self.acc_attn)
            else:
                add_rmsnorm(self.h, self.acc_attn, layer.post_norm, self.x, eps)
                self._mlp_into(layer)
                add_rmsnorm(self.h, self.acc_mlp, after, self.x, eps)
        return F.linear(self.x, w.lm_head)[0]

    def _norm_in_qkv(self) -> bool:
        """Whether the layers' input norms run inside the q|k|v GEMVs (`NORM_INPUT`): it
        takes the attention's sums (`FUSE_QK`) and the router's norm (`FUSE_NORM`) too."""
        switched = residual_input.NORM_INPUT and decode_attention.FUSE_QK and moe_route.FUSE_NORM
        return switched and self._fused_everywhere

    def _attention_into_o(
        self, i: int, layer: LayerWeights, pos: torch.Tensor, stream: ResidualInput | None
    ) -> None:
        """Attention of the token whose q|k|v sums are in acc_qkv (emptied after), then the
        o projection into acc_attn, the merge inside its GEMV where that folds
        (`merged_o_gemv.FOLD_MERGE`); with `stream`, the sums are of the un-normed input and
        the attention settles it."""
        k_cache, v_cache, eps = self.k_cache[i], self.v_cache[i], self.w.rms_eps
        o = layer.o
        if decode_attention.FUSE_QK:
            tables = (self.cos, self.sin, layer.q_norm, layer.k_norm)
            sums = QkSums(self.acc_qkv, *tables, eps, stream)
            if gemv_ready(o) and folds(self.attention, o.qweight, o.group_size):
                partials = self.attention.partials(None, k_cache, v_cache, pos, sums)
                weights = (o.qweight, o.qzeros, o.scales, o.group_size)
                merged_o_gemv_into(self.attention, partials, *weights, self.acc_attn, self.h.dtype)
                return
            attn = self.attention(None, k_cache, v_cache, pos, sums)
        else:
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
            attn = self.attention(self.q[0], k_cache, v_cache, pos)
        self._linear_into(attn.view(1, -1), o, self.acc_attn)

    def _qkv_into(self, i: int, layer: LayerWeights, stream: ResidualInput | None) -> None:
        fused = self.qkv[i]
        if fused is not None:
            if stream is not None:
                weights = (fused.qweight, fused.qzeros, fused.scales, fused.group_size)
                int4_gemv_into(self.x, *weights, self.acc_qkv, stream)
            else:
                self._linear_into(self.x, fused, self.acc_qkv)
            return
        start = 0
        for proj in (layer.q, layer.k, layer.v):
            width = out_features(proj)
            self._linear_into(self.x, proj, self.acc_qkv[:, start : start + width])
            start += width

    def _linear_into(self, x: torch.Tensor, weight: Linear, acc: torch.Tensor) -> None:
        if gemv_ready(weight):
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
        if fast_moe(mlp):
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
