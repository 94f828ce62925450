"""Where a local reply's token ids come from: the fast runner where it runs, else
transformers' own forward; with the request's thinking budget between them and the decode
loop (`thinking_budget.py`), which may open a source a second time after its forced text."""

from __future__ import annotations

import threading
from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING

from qwen_tui.engine.base import GenerationRequest
from qwen_tui.engine.thinking_budget import STOP_THINKING_TEXT, BudgetedTokens, SourceOpener

if TYPE_CHECKING:
    from qwen_tui.engine.loading import LoadedModel
    from qwen_tui.engine.runner.generate import Runner


def reply_tokens(
    loaded: LoadedModel,
    runner: Runner | None,
    prompt: Sequence[int],
    request: GenerationRequest,
    limits: tuple[int, int | None],
    cancelled: threading.Event,
    in_thinking: bool,
) -> Iterator[list[int]] | BudgetedTokens:
    """Blocks of the reply to `prompt`; `limits` is (the most new tokens, the seed), and
    `in_thinking` says whether the reply starts inside its think block."""
    budget, seed = limits
    open_source: SourceOpener
    if runner is not None:
        fast = runner

        def open_source(ids: Sequence[int], cached: int) -> Iterator[list[int]]:
            room = budget - (len(ids) - len(prompt))  # the forced ids count as the reply's
            stops = set(loaded.stop_ids)
            return fast.generate_blocks(ids, request.sampling, room, stops, cancelled, seed, cached)
    else:
        from qwen_tui.engine.generation import transformers_tokens
        from qwen_tui.engine.sampler import Sampler

        vocab = loaded.model.config.vocab_size
        sampler = Sampler(request.sampling, vocab, loaded.device, seed)

        def open_source(ids: Sequence[int], cached: int) -> Iterator[list[int]]:
            return transformers_tokens(loaded.model, ids, sampler)  # no cache kept between

    if request.thinking_budget is None:
        return open_source(prompt, 0)
    tokenizer = loaded.tokenizer
    return BudgetedTokens(
        open_source,
        prompt,
        request.thinking_budget,
        tokenizer.encode(STOP_THINKING_TEXT),
        (tokenizer.think_start_id, tokenizer.think_end_id),
        in_thinking=in_thinking,
    )
