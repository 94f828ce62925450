"""Choose the next token: presence penalty, then temperature, top-k, top-p and min-p.

Temperature 0 means greedy (the highest logit after the penalty). The presence penalty
subtracts a constant from every token already generated in this reply, as vLLM and SGLang
do (the model card's recommendation for quantized models refers to that definition).
"""

from __future__ import annotations

import torch

from qwen_tui.chat.sampling import SamplingParams


class Sampler:
    """Draws token ids for one reply; remembers what it drew for the presence penalty."""

    def __init__(
        self, params: SamplingParams, vocab_size: int, device: torch.device, seed: int | None = None
    ) -> None:
        self.params = params
        self._seen = torch.zeros(vocab_size, dtype=torch.bool, device=device)
        self._generator = torch.Generator(device=device)
        if seed is None:
            self._generator.seed()
        else:
            self._generator.manual_seed(seed)

    def __call__(self, logits: torch.Tensor) -> int:
        """logits [V] -> the chosen id, which then counts as generated."""
        logits = logits.float()
        if self.params.presence_penalty:
            logits = logits - self.params.presence_penalty * self._seen
        if self.params.greedy:
            token = int(torch.argmax(logits))
        else:
            probs = token_probabilities(logits, self.params)
            token = int(torch.multinomial(probs, 1, generator=self._generator))
        self._seen[token] = True
        return token


def token_probabilities(logits: torch.Tensor, params: SamplingParams) -> torch.Tensor:
    """The distribution sampling draws from, after temperature, top-k, top-p and min-p."""
    logits = logits.float() / params.temperature
    if 0 < params.top_k < logits.numel():
        kth = torch.topk(logits, params.top_k).values[-1]
        logits = logits.masked_fill(logits < kth, float("-inf"))
    probs = torch.softmax(logits, dim=-1)
    if params.top_p < 1:
        sorted_probs, order = torch.sort(probs, descending=True)
        before = torch.cumsum(sorted_probs, dim=-1) - sorted_probs
        # Keep the smallest head whose mass reaches top_p; the top token always stays.
        drop = before >= params.top_p
        probs = probs.scatter(0, order, sorted_probs.masked_fill(drop, 0.0))
    if params.min_p > 0:
        probs = probs.masked_fill(probs < params.min_p * probs.max(), 0.0)
    return probs / probs.sum()
