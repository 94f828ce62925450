"""The decode loop: prefill the prompt, then one token per step with the model's KV cache.

Each step hands its token to a callback at once (streaming), then checks the stop ids, the
length limit and the cancel flag, so a cancel takes effect within one step.
"""

from __future__ import annotations

import inspect
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import torch
from torch import nn
from transformers import DynamicCache

from qwen_tui.chat.messages import FinishReason, GenerationStats
from qwen_tui.engine.sampler import Sampler


@dataclass(frozen=True)
class Decoded:
    """What one reply produced: every generated id (a stop id included) and the figures."""

    token_ids: tuple[int, ...]
    reason: FinishReason
    stats: GenerationStats


def decode(
    model: nn.Module,
    prompt_ids: Sequence[int],
    sampler: Sampler,
    *,
    max_new_tokens: int,
    stop_ids: frozenset[int],
    cancelled: threading.Event,
    on_token: Callable[[int], None],
) -> Decoded:
    """Generate up to `max_new_tokens` ids after `prompt_ids`."""
    started = time.perf_counter()
    device = next(model.parameters()).device
    cache = DynamicCache(config=model.config)
    cache_arg = _cache_argument(model)
    tokens: list[int] = []
    first_at = last_at = started
    reason = FinishReason.CANCELLED
    with torch.inference_mode():
        inputs = torch.tensor([list(prompt_ids)], dtype=torch.long, device=device)
        while not cancelled.is_set():
            out = model(input_ids=inputs, use_cache=True, logits_to_keep=1, **{cache_arg: cache})
            token = sampler(out.logits[0, -1])
            last_at = time.perf_counter()
            if not tokens:
                first_at = last_at
            tokens.append(token)
            on_token(token)
            if token in stop_ids:
                reason = FinishReason.STOP
                break
            if len(tokens) >= max_new_tokens:
                reason = FinishReason.LENGTH
                break
            inputs = torch.tensor([[token]], dtype=torch.long, device=device)
    decode_s = last_at - first_at
    stats = GenerationStats(
        prompt_tokens=len(prompt_ids),
        generated_tokens=len(tokens),
        time_to_first_token_s=first_at - started if tokens else 0.0,
        decode_tokens_per_s=(len(tokens) - 1) / decode_s if len(tokens) > 1 and decode_s else 0.0,
        total_s=time.perf_counter() - started,
    )
    return Decoded(tuple(tokens), reason, stats)


def _cache_argument(model: nn.Module) -> str:
    """transformers renamed `past_key_values` to `cache` after 5.17; take whichever exists."""
    return "cache" if "cache" in inspect.signature(model.forward).parameters else "past_key_values"
