"""A prefill chunk on the fused kernels: thirteen launches a layer, not ~40 ops.

Per layer: h += the previous MLP's output and x = RMSNorm(h) in one launch; one int4 matmul
for q|k|v on the decode step's fused weight (shared, not copied); one launch to norm and
rotate q and k and write q (head-major, as attention reads it) and the k, v cache rows;
the attention (`chunk_attention`'s long tiles on Hopper, else flash attention); the o
matmul; h += o and RMSNorm again in one launch; the MoE (the router's matmul, the top-k,
three to align the pairs, two grouped matmuls), whose top-k expert rows the next norm sums.
The final norm and the lm_head run on the last row only. `graphed` is the same chunk with
its start and last row on the device, for the short-prefill graphs (`prefill_replay.py`):
its attention reads the start from there (`kernels/chunk_attention.py`).

Every op has a fixed shape and none reads a value back, so the host queues the whole chunk
without waiting for the GPU. Rounding is the reference path's: every matmul output and
every sum into the residual is rounded to the model's dtype, as transformers does.
"""

from __future__ import annotations

from collections.abc import Callable

import torch
import torch.nn.functional as F

from qwen_tui.engine.kernels.chunk_attention import LONG_CHUNK_TILES, chunk_attention
from qwen_tui.engine.kernels.norms import add_rmsnorm
from qwen_tui.engine.kernels.qk_rope import qk_norm_rope_cache
from qwen_tui.engine.runner.ops import Ops, causal_attention
from qwen_tui.engine.runner.weights import Int4Weight, ModelWeights

# (q head-major [heads, T, D], one layer's k and v caches) -> attention output [T, heads * D]
Attend = Callable[[torch.Tensor, torch.Tensor, torch.Tensor], torch.Tensor]
# The compute capability from which an eager chunk's attention runs on `chunk_attention`'s
# long tiles rather than flash attention (they need Hopper's shared memory; faster there,
# see LONG_CHUNK_TILES). None: flash attention on every GPU.
CHUNK_KERNEL_FROM: tuple[int, int] | None = (9, 0)


def device_capability(device: torch.device) -> tuple[int, int] | None:
    """The CUDA compute capability of `device`, None off CUDA (`gpu_compile.py` sets it)."""
    return torch.cuda.get_device_capability(device) if device.type == "cuda" else None


class FastPrefill:
    def __init__(
        self,
        w: ModelWeights,
        k_cache: torch.Tensor,
        v_cache: torch.Tensor,
        cos: torch.Tensor,
        sin: torch.Tensor,
        qkv: list[Int4Weight],
    ) -> None:
        """`qkv`: each layer's q|k|v weight fused along N (the decode step's own list)."""
        self.w, self.k_cache, self.v_cache, self.cos, self.sin = w, k_cache, v_cache, cos, sin
        self.qkv = qkv
        self.ops = Ops(use_triton=True)
        self._capability = device_capability(w.embed.device)
        self._half = w.embed.dtype in (torch.float16, torch.bfloat16)

    @staticmethod
    def fused_qkv(qkv: list[Int4Weight | None]) -> list[Int4Weight] | None:
        """The layers' fused q|k|v weights when every layer has one (int4, groups in
        order, no bias); None for other checkpoints, which prefill on the reference path."""
        fused = [weight for weight in qkv if weight is not None]
        return fused if len(fused) == len(qkv) else None

    def __call__(self, ids: torch.Tensor, start: int) -> torch.Tensor:
        """ids [T] at positions start..start+T-1 -> logits [V] of the last position; the
        cache rows start..start+T-1 of every layer are written."""
        end = start + ids.shape[0]
        positions = torch.arange(start, end, device=ids.device)
        on_chunk_kernel = self.eager_attention_on_chunk_kernel()

        def attend(
            q_heads: torch.Tensor, k_cache: torch.Tensor, v_cache: torch.Tensor
        ) -> torch.Tensor:
            if on_chunk_kernel:  # the chunk's start: its first position, on the device
                return chunk_attention(
                    q_heads, k_cache, v_cache, positions[:1], tiles=LONG_CHUNK_TILES
                )
            return causal_attention(q_heads.transpose(0, 1), k_cache, v_cache, start, end)

        h, out, x = self._layers(ids, positions, attend)
        return self._logits(h[-1:], out[-1:], x[-1:])

    def eager_attention_on_chunk_kernel(self) -> bool:
        """Whether `__call__`'s attention runs on `chunk_attention` (CHUNK_KERNEL_FROM)."""
        since, capability = CHUNK_KERNEL_FROM, self._capability
        return self._half and since is not None and capability is not None and capability >= since

    def graphed(self, ids: torch.Tensor, start: torch.Tensor, last: torch.Tensor) -> torch.Tensor:
        """The same with every position on the device, so a CUDA graph of it serves any
        chunk that fits: ids [T] at start [1] + 0..T-1 -> logits [V] of row last [1]. Rows
        past `last` are padding: they are computed and cached (rows the next chunk or
        decode step writes again before reading), and no real row attends to them."""
        positions = start + torch.arange(ids.shape[0], device=ids.device)

        def attend(
            q_heads: torch.Tensor, k_cache: torch.Tensor, v_cache: torch.Tensor
        ) -> torch.Tensor:
            return chunk_attention(q_heads, k_cache, v_cache, start)

        h, out, _ = self._layers(ids, positions, attend)
        h_last = h.index_select(0, last)
        return self._logits(h_last, out.index_select(0, last), torch.empty_like(h_last))

    def _layers(
        self, ids: torch.Tensor, positions: torch.Tensor, attend: Attend
    ) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """Every layer over the chunk, writing its cache rows -> (the residual stream
        before the last MLP's sum, that MLP's output, the normed-input workspace)."""
        w, eps = self.w, self.w.rms_eps
        T = ids.shape[0]
        h = w.embed[ids]  # [T, H], a fresh copy: the residual stream, updated in place
        x = torch.empty_like(h)
        q_heads = torch.empty(w.num_heads, T, w.head_dim, device=h.device, dtype=h.dtype)
        q = q_heads.transpose(0, 1)  # [T, heads, D] over head-major memory
        add_rmsnorm(h, None, w.layers[0].input_norm, x, eps)
        last = len(w.layers) - 1
        for i, layer in enumerate(w.layers):
            qkv = self.ops.linear(x, self.qkv[i])  # [T, (heads + 2 kv) * D]
            k_cache, v_cache = self.k_cache[i], self.v_cache[i]
            qk_norm_rope_cache(
                qkv,
                q,
                k_cache,
                v_cache,
                positions,
                self.cos,
                self.sin,
                layer.q_norm,
                layer.k_norm,
                eps,
                clear=False,
            )
            attn = attend(q_heads, k_cache, v_cache)
            add_rmsnorm(h, self.ops.linear(attn, layer.o), layer.post_norm, x, eps, clear=False)
            out = self.ops.mlp(x, layer.mlp, summed=False)  # the norm after sums the experts
            if i < last:
                add_rmsnorm(h, out, w.layers[i + 1].input_norm, x, eps, clear=False)
        return h, out, x

    def _logits(self, h: torch.Tensor, out: torch.Tensor, x: torch.Tensor) -> torch.Tensor:
        """The final norm of one row's residual h [1, H] plus its last MLP output, into x,
        and the lm_head -> logits [V]."""
        add_rmsnorm(h, out, self.w.final_norm, x, self.w.rms_eps, clear=False)
        return F.linear(x, self.w.lm_head)[0]
