"""`Runner`: prefill, then CUDA-graph replays of several decode steps each, streaming ids.

A short prompt chunk is one graph replay too (`prefill_replay.py`), and a prompt that
starts as the last request's did reads only what follows (`cached_ids.py`).

A replay (`replay.py`) holds `steps` whole decode steps (every layer, the lm_head,
sampling) and feeds each sampled token to the next step on the device, noting there when
the reply ends. The host queues the next replay, then waits for the copy of the one before
it (`host_tokens.py`), so the GPU never waits on the host and the host runs Python once per
replay, not once a token. A cancel is noticed between replays: with 8 steps of about
2.5 ms, within about 20 ms (one queued replay runs on and is discarded).
"""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Iterator, Sequence
from dataclasses import replace

import torch

from qwen_tui.chat.sampling import THINKING_PRESET, SamplingParams
from qwen_tui.engine.kernels.decode_attention import CHUNK_BUCKETS
from qwen_tui.engine.runner.cached_ids import CachedIds
from qwen_tui.engine.runner.decoder import Decoder
from qwen_tui.engine.runner.host_tokens import HostTokens
from qwen_tui.engine.runner.replay import DecodeReplay
from qwen_tui.engine.runner.sampler import DeviceSampler
from qwen_tui.engine.runner.step_weights import graph_blockers
from qwen_tui.engine.runner.weights import ModelWeights

STEPS_PER_REPLAY = 8  # decode steps a graph replay runs (runner_speed.py --steps sweeps it)
WARM_UP_PROMPTS = (64, 1024, 4096)  # one prompt in each prefill tile regime (tuning.py)


class Runner:
    def __init__(
        self,
        weights: ModelWeights,
        max_len: int,
        *,
        use_triton: bool,
        use_graph: bool,
        top_k: int = 20,
        steps_per_replay: int | None = None,
    ) -> None:
        device = weights.embed.device
        graph = use_graph and use_triton and device.type == "cuda" and not graph_blockers(weights)
        self.decoder = Decoder(weights, max_len, use_triton, prefill_graphs=graph)
        self.sampler = DeviceSampler(weights.lm_head.shape[0], device, top_k)
        steps = steps_per_replay or STEPS_PER_REPLAY
        self.replay = DecodeReplay(self.decoder, self.sampler, steps, graph)
        self._host = HostTokens(device, steps)
        self.cached = CachedIds()

    @property
    def max_len(self) -> int:
        return self.decoder.max_len

    @property
    def use_graph(self) -> bool:
        return self.replay.use_graph

    @property
    def token(self) -> torch.Tensor:
        """The last token [1] int64 on the device: the next step's input."""
        return self.replay.state.token

    @property
    def pos(self) -> torch.Tensor:
        """The position [1] int64 of `token`."""
        return self.replay.state.pos

    def generate(
        self,
        prompt_ids: Sequence[int],
        params: SamplingParams,
        max_new_tokens: int,
        stop_ids: set[int],
        cancelled: threading.Event | None = None,
        seed: int | None = None,
    ) -> Iterator[int]:
        """`generate_blocks`, one token id at a time."""
        for block in self.generate_blocks(
            prompt_ids, params, max_new_tokens, stop_ids, cancelled, seed
        ):
            yield from block

    def generate_blocks(
        self,
        prompt_ids: Sequence[int],
        params: SamplingParams,
        max_new_tokens: int,
        stop_ids: set[int],
        cancelled: threading.Event | None = None,
        seed: int | None = None,
        resume_at: int = 0,
    ) -> Iterator[list[int]]:
        """Yield generated token ids as they reach the host: the first alone, right after
        the prefill, then a replay's worth at a time, until a stop id (yielded), the length
        limit, the cache end, or `cancelled` is set (checked between blocks).

        The prompt's leading ids whose rows the cache holds from the last request are not
        read again (`cached_ids.py`). `resume_at` > 0 goes on with the reply before: its
        first `resume_at` ids are in the cache, and the sampler keeps its state (seen
        tokens, random stream)."""
        if resume_at:
            kept = resume_at
        else:
            self._configure(params, seed)
            kept = self.cached.reusable(prompt_ids)
        self.replay.state.set_stops(stop_ids)
        self.cached.start(kept)
        fresh = list(prompt_ids[kept:])
        ids = torch.tensor(fresh, dtype=torch.int64, device=self.token.device)
        with torch.inference_mode():
            logits = self.decoder.prefill(ids, kept, cancelled)
            if logits is None:  # cancelled during a long prompt
                return
            self.cached.prefilled(prompt_ids)
            self.sampler.sample(logits, out=self.token)
        start = len(prompt_ids)
        budget = min(max_new_tokens, self.max_len - start)
        if budget < 1:
            return
        self.replay.state.arm(start, start + budget - 1)
        self._host.send(0, self.token)
        pending = deque([(0, 1)])  # (copy index, tokens of the budget it carries)
        queued, copies = 1, 1
        while pending:
            if queued < budget and len(pending) < 2:  # queue before waiting for the last
                self.replay(start + queued - 1)
                count = min(self.replay.steps, budget - queued)
                self._host.send(copies, self.replay.state.out)
                pending.append((copies, count))
                queued, copies = queued + count, copies + 1
            index, count = pending.popleft()
            block = _until_stop(self._host.receive(index, count), stop_ids)
            if block:
                self.cached.generated(block)
                yield block
            if len(block) < count or block[-1] in stop_ids:
                return
            if cancelled is not None and cancelled.is_set():
                return

    def warm_up(self) -> None:
        """Compile the kernels, let the autotuner pick the prefill tiles, and capture the
        decode graph of every attention chunk size now, so no reply pays for it. (The cache
        rows written here are overwritten before they are read.)"""
        if not self.use_graph:
            return
        self.warm_up_prefill()
        self.warm_up_decode()
        torch.cuda.synchronize()

    def warm_up_prefill(self) -> None:
        """A prompt in every prefill tile regime (tuning.py: short/long dense matmul, MoE
        tiles of 16, 64 and 128 rows); varied tokens, so the experts tune on spread
        routing. The kernels do not specialise on a prompt's length, so these serve all.
        Then the short-prefill graphs are captured (`prefill_replay.py`)."""
        self.cached.forget()
        vocab = self.decoder.w.embed.shape[0]
        for length in sorted({min(n, self.max_len) for n in WARM_UP_PROMPTS}):
            ids = torch.randint(vocab, (length,), generator=torch.Generator().manual_seed(length))
            with torch.inference_mode():
                self.decoder.prefill(ids.to(self.token.device), 0)
        if self.decoder.prefill_replay is not None:
            self.decoder.prefill_replay.capture_all()

    def warm_up_decode(self) -> None:
        """Capture the replay graph of every attention chunk size."""
        self.sampler.configure(replace(THINKING_PRESET, top_k=self.sampler.top_k), seed=0)
        for limit, _chunk in CHUNK_BUCKETS:
            context = max(0, min(limit or self.max_len, self.max_len) - self.replay.steps)
            self.start_at(context)
            self.replay(context)

    def start_at(self, context: int) -> None:
        """Let replays run from position `context` with no stop and no limit but the
        cache's (benchmarks time replays from here). The cache's rows are claimed no more."""
        self.cached.forget()
        self.replay.state.set_stops(set())
        self.replay.state.arm(context, self.max_len - 1)

    def set_steps(self, steps: int) -> None:
        """Run `steps` decode steps a replay from now on (benchmarks sweep it); the graphs
        are captured again."""
        self.replay = DecodeReplay(self.decoder, self.sampler, steps, self.use_graph)
        self._host = HostTokens(self.token.device, steps)

    def reset_graphs(self) -> None:
        """Drop the captured graphs (and their memory pools); the next replay captures again."""
        self.replay.reset()
        if self.decoder.prefill_replay is not None:
            self.decoder.prefill_replay.reset()

    def _configure(self, params: SamplingParams, seed: int | None) -> None:
        if self.sampler.top_k != _effective_top_k(params.top_k, self.sampler.vocab_size):
            self.sampler = DeviceSampler(self.sampler.vocab_size, self.token.device, params.top_k)
            self.replay.sampler = self.sampler
            self.reset_graphs()
        self.sampler.configure(params, seed)


def _until_stop(tokens: list[int], stop_ids: set[int]) -> list[int]:
    """The tokens up to the first stop id (kept) or the first -1 (a step after the end)."""
    for i, token in enumerate(tokens):
        if token < 0:
            return tokens[:i]
        if token in stop_ids:
            return tokens[: i + 1]
    return tokens


def _effective_top_k(top_k: int, vocab_size: int) -> int:
    return top_k if 0 < top_k < vocab_size else vocab_size
