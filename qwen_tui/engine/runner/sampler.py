"""Token sampling on the device, with every parameter in a preallocated tensor.

Nothing here reads a value back to the host or changes shape between calls, so a CUDA graph
can capture it and a new request only rewrites the tensors in place. Top-k runs first (the
model card uses k = 20), then temperature, min_p and top_p act on those k values only,
either as torch ops or, with FUSED, in one Triton launch (`kernels/sample_top_k.py`). With
FUSED_TOP_K too, the presence penalty and the top-k are in that launch (`top_k_draw.py`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import torch

from qwen_tui.chat.sampling import SamplingParams
from qwen_tui.engine.kernels import available

if TYPE_CHECKING:  # Triton is imported only where it can run
    from qwen_tui.engine.kernels.top_k_draw import TopKDraw

# The draw after top-k in one Triton launch instead of about 15 torch ops (H200: 369 ->
# 374 tok/s at 1k, benchmarks/NOTES.md).
FUSED = True
FUSED_MAX_K = 1024  # one program holds the k values; larger k (or none) uses torch ops
# The penalty and the top-k in that launch too, instead of torch.topk's dozen kernels.
FUSED_TOP_K = True
FUSED_TOP_K_MAX = 64  # each of its programs keeps k values in registers


class DeviceSampler:
    """Samples one token from logits [V]; presence penalty tracks tokens already generated."""

    def __init__(self, vocab_size: int, device: torch.device, top_k: int = 20) -> None:
        self.vocab_size = vocab_size
        self.top_k = top_k if 0 < top_k < vocab_size else vocab_size
        f32: dict[str, Any] = dict(device=device, dtype=torch.float32)
        self.temperature = torch.ones((), **f32)
        self.top_p = torch.ones((), **f32)
        self.min_p = torch.zeros((), **f32)
        self.presence_penalty = torch.zeros((), **f32)
        self.seen = torch.zeros(vocab_size, **f32)
        self.generator = torch.Generator(device=device)
        self.seed = torch.zeros((), device=device, dtype=torch.int64)  # the fused draw's
        self.draws = torch.zeros((), device=device, dtype=torch.int64)
        self.can_fuse = available(device.type)  # Triton runs on tensors of this device
        self.top_k_draw: TopKDraw | None = None
        if self.can_fuse and self.top_k <= FUSED_TOP_K_MAX:
            from qwen_tui.engine.kernels.top_k_draw import TopKDraw

            self.top_k_draw = TopKDraw(vocab_size, self.top_k, device)

    def configure(self, params: SamplingParams, seed: int | None = None) -> None:
        """Set the parameters for the next request and forget the tokens seen so far."""
        if (params.top_k if 0 < params.top_k < self.vocab_size else self.vocab_size) != self.top_k:
            raise ValueError("top_k is fixed when the sampler is built; build a new sampler")
        self.temperature.fill_(params.temperature)
        self.top_p.fill_(params.top_p)
        self.min_p.fill_(params.min_p)
        self.presence_penalty.fill_(params.presence_penalty)
        self.seen.zero_()
        if seed is None:
            seed = self.generator.seed()  # a fresh draw per reply unless a seed is asked for
        else:
            self.generator.manual_seed(seed)
        self.seed.fill_(seed & 0x7FFF_FFFF_FFFF_FFFF)
        self.draws.zero_()

    def sample(self, logits: torch.Tensor, out: torch.Tensor | None = None) -> torch.Tensor:
        """logits [V] (any float dtype) -> the next token id, int64 [1] (written into `out`
        when given), and marks it seen."""
        if FUSED and FUSED_TOP_K and self.top_k_draw is not None:
            token = (
                out if out is not None else torch.empty(1, device=logits.device, dtype=torch.int64)
            )
            sampling = (self.temperature, self.top_p, self.min_p, self.seed, self.draws)
            self.top_k_draw(logits, self.seen, self.presence_penalty, sampling, token)
            return token
        # logits - penalty * seen, promoted to float32, in one launch
        logits = torch.addcmul(logits, self.seen, self.presence_penalty, value=-1)
        values, indices = torch.topk(logits, self.top_k)  # sorted, descending
        if FUSED and self.can_fuse and self.top_k <= FUSED_MAX_K:
            from qwen_tui.engine.kernels.sample_top_k import sample_top_k

            token = out if out is not None else torch.empty_like(indices[:1])
            sample_top_k(
                values,
                indices,
                self.temperature,
                self.top_p,
                self.min_p,
                self.seed,
                self.draws,
                token,
                self.seen,
            )
            return token
        greedy = indices[:1]
        scaled = values / torch.clamp(self.temperature, min=1e-5)
        probs = torch.softmax(scaled, dim=-1)
        keep = probs >= self.min_p * probs[0]
        cumulative = torch.cumsum(probs, dim=-1)
        keep &= (cumulative - probs) < self.top_p  # the first token always stays
        probs = torch.where(keep, probs, torch.zeros_like(probs))
        # Exponential race: argmax(p / E) with E ~ Exp(1) draws from p, with no host sync.
        noise = torch.empty_like(probs).exponential_(1.0, generator=self.generator)
        drawn = indices[torch.argmax(probs / noise).reshape(1)]
        token = torch.where(self.temperature > 0, drawn, greedy, out=out)
        self.seen.index_fill_(0, token, 1.0)
        return token
