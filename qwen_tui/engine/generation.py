"""The decode loop: take tokens from a source as they come, stream them, and stop.

A source is an iterator of blocks of token ids: `transformers_tokens` (the model's own
forward with a `DynamicCache`, anywhere; a token a block) or the fast runner's
`Runner.generate_blocks` (static cache, CUDA graphs; the first token alone, then several a
replay). `decode` hands each block to a callback at once (streaming), then checks the stop
ids, the length limit and the cancel flag, so a cancel takes effect within one block
whichever source runs.
"""

from __future__ import annotations

import inspect
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import torch
from torch import nn
from transformers import DynamicCache

from qwen_tui.chat.messages import FinishReason, GenerationStats
from qwen_tui.engine.sampler import Sampler

if TYPE_CHECKING:  # imports transformers' modeling code, which the fast path never needs
    from transformers import PreTrainedModel


@dataclass(frozen=True)
class Decoded:
    """What one reply produced: every generated id (a stop id included) and the figures."""

    token_ids: tuple[int, ...]
    reason: FinishReason
    stats: GenerationStats


def transformers_tokens(
    model: PreTrainedModel, prompt_ids: Sequence[int], sampler: Sampler
) -> Iterator[list[int]]:
    """Tokens from transformers' forward: the prompt once, then one token per step."""
    device = next(model.parameters()).device
    cache = DynamicCache(config=model.config)
    cache_arg = _cache_argument(model)
    with torch.inference_mode():
        inputs = torch.tensor([list(prompt_ids)], dtype=torch.long, device=device)
        while True:
            out = model(input_ids=inputs, use_cache=True, logits_to_keep=1, **{cache_arg: cache})
            token = sampler(out.logits[0, -1])
            yield [token]
            inputs = torch.tensor([[token]], dtype=torch.long, device=device)


def decode(
    blocks: Iterator[Sequence[int]],
    prompt_tokens: int,
    *,
    max_new_tokens: int,
    stop_ids: frozenset[int],
    cancelled: threading.Event,
    on_tokens: Callable[[list[int]], None],
    started: float | None = None,
) -> Decoded:
    """Generate up to `max_new_tokens` ids from `blocks`, a source that has the prompt.
    `started` (a `time.perf_counter()` reading) is when the request was made, so the time
    to the first token counts everything before it; by default, now."""
    started = time.perf_counter() if started is None else started
    generated: list[int] = []
    first_at = last_at = started
    reason = FinishReason.CANCELLED
    while not cancelled.is_set():
        block = next(blocks, None)
        if block is None:  # the source stopped: cancelled in its prefill, or its cache is full
            reason = FinishReason.CANCELLED if cancelled.is_set() else FinishReason.LENGTH
            break
        last_at = time.perf_counter()
        if not generated:
            first_at = last_at
        tokens = list(block[: max_new_tokens - len(generated)])
        stop = next((i for i, token in enumerate(tokens) if token in stop_ids), None)
        if stop is not None:
            tokens = tokens[: stop + 1]
        generated.extend(tokens)
        on_tokens(tokens)
        if stop is not None:
            reason = FinishReason.STOP
            break
        if len(generated) >= max_new_tokens:
            reason = FinishReason.LENGTH
            break
    decode_s = last_at - first_at
    count = len(generated)
    stats = GenerationStats(
        prompt_tokens=prompt_tokens,
        generated_tokens=count,
        time_to_first_token_s=first_at - started if generated else 0.0,
        decode_tokens_per_s=(count - 1) / decode_s if count > 1 and decode_s else 0.0,
        total_s=time.perf_counter() - started,
    )
    return Decoded(tuple(generated), reason, stats)


def _cache_argument(model: nn.Module) -> str:
    """transformers renamed `past_key_values` to `cache` after 5.17; take whichever exists."""
    return "cache" if "cache" in inspect.signature(model.forward).parameters else "past_key_values"
