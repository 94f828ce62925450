"""A compact Qwen3 / Qwen3-MoE forward over a static KV cache.

`prefill` runs a prompt (any length, from any start position) with fused SDPA attention,
a short one as a CUDA graph replay where graphs are on;
`decode_step` runs one token whose id and position live in device tensors, so it can be
captured once in a CUDA graph and replayed for every position.
"""

from __future__ import annotations

import math
import threading
from typing import TYPE_CHECKING

import torch
import torch.nn.functional as F

from qwen_tui.engine.runner.ops import Ops, apply_rope, causal_attention, rms_norm
from qwen_tui.engine.runner.weights import LayerWeights, ModelWeights

if TYPE_CHECKING:
    from qwen_tui.engine.runner.prefill_replay import PrefillReplay

PREFILL_CHUNK = 4096  # tokens per prefill pass: bounds the MoE's activation memory


class Decoder:
    def __init__(
        self, weights: ModelWeights, max_len: int, use_triton: bool, prefill_graphs: bool = False
    ) -> None:
        """`prefill_graphs`: short chunks replay a CUDA graph (`prefill_replay.py`) where
        the fused prefill takes the weights."""
        self.w = weights
        self.max_len = max_len
        self.ops = Ops(use_triton)
        device, dtype = weights.embed.device, weights.embed.dtype
        cache_shape = (len(weights.layers), weights.num_kv_heads, max_len, weights.head_dim)
        # The 40,960-token cache of the 30B model is 4 GiB in bf16: allocated once.
        self.k_cache = torch.zeros(cache_shape, device=device, dtype=dtype)
        self.v_cache = torch.zeros(cache_shape, device=device, dtype=dtype)
        positions = torch.arange(max_len, device=device)[None]
        probe = torch.empty(1, device=device, dtype=dtype)
        cos, sin = weights.rotary(probe, positions)
        self.cos, self.sin = cos[0], sin[0]  # [max_len, D], in the model's dtype
        self.fast = self.fast_prefill = None
        self.prefill_replay: PrefillReplay | None = None
        if use_triton:
            from qwen_tui.engine.runner.fast_prefill import FastPrefill
            from qwen_tui.engine.runner.fast_step import FastDecodeStep
            from qwen_tui.engine.runner.prefill_replay import PrefillReplay

            self.fast = FastDecodeStep(weights, self.k_cache, self.v_cache, self.cos, self.sin)
            fused_qkv = FastPrefill.fused_qkv(self.fast.qkv)
            if fused_qkv is not None:
                self.fast_prefill = FastPrefill(
                    weights, self.k_cache, self.v_cache, self.cos, self.sin, fused_qkv
                )
                if prefill_graphs:
                    self.prefill_replay = PrefillReplay(self.fast_prefill, max_len, True)

    @torch.inference_mode()
    def prefill(
        self, ids: torch.Tensor, start: int, cancelled: threading.Event | None = None
    ) -> torch.Tensor | None:
        """ids [T] at positions start..start+T-1 -> logits [V] of the last position, or None
        when `cancelled` was set between two chunks.

        Long prompts go through in chunks of at most PREFILL_CHUNK, so activation memory
        stays that of one chunk and a cancel waits for one chunk at most. The chunks are of
        equal length, so none is a short tail in a tile regime the warm-up did not tune."""
        end = start + ids.shape[0]
        if end > self.max_len:
            raise ValueError(f"{end} tokens exceed the cache of {self.max_len}")
        chunks = max(1, math.ceil(ids.shape[0] / PREFILL_CHUNK))
        size = max(1, math.ceil(ids.shape[0] / chunks))
        for chunk_start in range(0, ids.shape[0], size):
            chunk = ids[chunk_start : chunk_start + size]
            logits = self._prefill_chunk(chunk, start + chunk_start)
            if cancelled is not None and chunk_start + size < ids.shape[0]:
                if ids.is_cuda:
                    torch.cuda.synchronize(ids.device)  # the chunk really ran, not just queued
                if cancelled.is_set():
                    return None
        return logits

    def _prefill_chunk(self, ids: torch.Tensor, start: int) -> torch.Tensor:
        # The fused path, unless a parity check switched the ops to the reference.
        if self.fast_prefill is not None and self.ops.use_triton:
            replay = self.prefill_replay
            if replay is not None and replay.bucket_for(ids.shape[0], start) is not None:
                return replay(ids, start)
            return self.fast_prefill(ids, start)
        end = start + ids.shape[0]
        h = self.w.embed[ids]
        positions = torch.arange(start, end, device=ids.device)
        for i, layer in enumerate(self.w.layers):
            q, k, v = self._qkv(h, layer, self.cos[positions], self.sin[positions])
            self.k_cache[i, :, start:end] = k.transpose(0, 1)
            self.v_cache[i, :, start:end] = v.transpose(0, 1)
            attn = self._prefill_attention(q, i, start, end)
            h = self._finish_layer(h, attn, layer)
        return self._logits(h[-1:])

    @torch.inference_mode()
    def decode_step(self, token: torch.Tensor, pos: torch.Tensor) -> torch.Tensor:
        """token [1] int64 at position pos [1] int64 -> logits [V]. Capturable when fast."""
        if self.fast is not None:
            return self.fast(token, pos)
        h = self.w.embed[token]
        cos, sin = self.cos[pos], self.sin[pos]
        seq_len = (pos + 1).to(torch.int32)
        for i, layer in enumerate(self.w.layers):
            q, k, v = self._qkv(h, layer, cos, sin)
            self.k_cache[i].index_copy_(1, pos, k.transpose(0, 1))
            self.v_cache[i].index_copy_(1, pos, v.transpose(0, 1))
            end = int(seq_len.item())  # the reference path is never captured
            attn = self._prefill_attention(q, i, end - 1, end)
            h = self._finish_layer(h, attn, layer)
        return self._logits(h)

    def _qkv(
        self, h: torch.Tensor, layer: LayerWeights, cos: torch.Tensor, sin: torch.Tensor
    ) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """h [T, H] -> q [T, heads, D], k and v [T, kv_heads, D], normed and rotated."""
        w, eps = self.w, self.w.rms_eps
        x = rms_norm(h, layer.input_norm, eps)
        q = self.ops.linear(x, layer.q).view(-1, w.num_heads, w.head_dim)
        k = self.ops.linear(x, layer.k).view(-1, w.num_kv_heads, w.head_dim)
        v = self.ops.linear(x, layer.v).view(-1, w.num_kv_heads, w.head_dim)
        q = apply_rope(rms_norm(q, layer.q_norm, eps), cos, sin)
        k = apply_rope(rms_norm(k, layer.k_norm, eps), cos, sin)
        return q, k, v

    def _prefill_attention(self, q: torch.Tensor, layer: int, start: int, end: int) -> torch.Tensor:
        """q [T, heads, D] at positions start..end-1 over the cache [0, end) -> [T, heads*D]."""
        return causal_attention(q, self.k_cache[layer], self.v_cache[layer], start, end)

    def _finish_layer(
        self, h: torch.Tensor, attn: torch.Tensor, layer: LayerWeights
    ) -> torch.Tensor:
        h = h + self.ops.linear(attn, layer.o)
        return h + self.ops.mlp(rms_norm(h, layer.post_norm, self.w.rms_eps), layer.mlp)

    def _logits(self, h: torch.Tensor) -> torch.Tensor:
        logits: torch.Tensor = F.linear(
            rms_norm(h, self.w.final_norm, self.w.rms_eps), self.w.lm_head
        )
        return logits[0]
