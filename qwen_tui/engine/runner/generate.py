"""`Runner`: prefill, then one CUDA-graph replay per token, streaming token ids.

The graph holds the whole decode step (every layer, the lm_head and sampling) and feeds its
own output token back as the next input, and advances the position, on the device. Per token
the host queues the next replay, then waits for this token's int64 to reach it for streaming
(`host_tokens.py`), so the GPU never waits on the host. A cancel is noticed between tokens,
so Esc acts within one token (one queued step runs on and is discarded).
"""

from __future__ import annotations

import threading
from collections.abc import Iterator, Sequence
from dataclasses import replace

import torch

from qwen_tui.chat.sampling import THINKING_PRESET, SamplingParams
from qwen_tui.engine.kernels.decode_attention import CHUNK_BUCKETS, chunk_for
from qwen_tui.engine.runner.decoder import Decoder
from qwen_tui.engine.runner.fast_step import graph_blockers
from qwen_tui.engine.runner.host_tokens import HostTokens
from qwen_tui.engine.runner.sampler import DeviceSampler
from qwen_tui.engine.runner.weights import ModelWeights


class Runner:
    def __init__(
        self,
        weights: ModelWeights,
        max_len: int,
        *,
        use_triton: bool,
        use_graph: bool,
        top_k: int = 20,
    ) -> None:
        self.decoder = Decoder(weights, max_len, use_triton)
        device = weights.embed.device
        self.sampler = DeviceSampler(weights.lm_head.shape[0], device, top_k)
        self.token = torch.zeros(1, dtype=torch.int64, device=device)
        self.pos = torch.zeros(1, dtype=torch.int64, device=device)
        self.use_graph = (
            use_graph and use_triton and device.type == "cuda" and not graph_blockers(weights)
        )
        self._graphs: dict[int, torch.cuda.CUDAGraph] = {}  # by attention chunk size
        self._host = HostTokens(device)
        self._pool = None

    @property
    def max_len(self) -> int:
        return self.decoder.max_len

    def generate(
        self,
        prompt_ids: Sequence[int],
        params: SamplingParams,
        max_new_tokens: int,
        stop_ids: set[int],
        cancelled: threading.Event | None = None,
        seed: int | None = None,
    ) -> Iterator[int]:
        """Yield generated token ids until a stop id (yielded), the length limit, the cache
        end, or `cancelled` is set."""
        if self.sampler.top_k != _effective_top_k(params.top_k, self.sampler.vocab_size):
            self.sampler = DeviceSampler(self.sampler.vocab_size, self.token.device, params.top_k)
            self.reset_graphs()
        self.sampler.configure(params, seed)
        ids = torch.tensor(list(prompt_ids), dtype=torch.int64, device=self.token.device)
        with torch.inference_mode():
            logits = self.decoder.prefill(ids, 0, cancelled)
            if logits is None:  # cancelled during a long prompt
                return
            self.sampler.sample(logits, out=self.token)
        self.pos.fill_(len(prompt_ids))
        budget = min(max_new_tokens, self.max_len - len(prompt_ids))
        self._host.send(0, self.token)
        for produced in range(budget):
            if produced + 1 < budget:  # queue the next token's step before waiting for this one
                self._step(len(prompt_ids) + produced)
                self._host.send(produced + 1, self.token)
            token = self._host.receive(produced)
            yield token
            if token in stop_ids or produced + 1 == budget:
                return
            if cancelled is not None and cancelled.is_set():
                return

    def warm_up(self) -> None:
        """Compile the kernels, let the autotuner pick the prefill tiles, and capture the
        decode graph of every attention chunk size now, so no reply pays for it. (The cache
        rows written here are overwritten before they are read.)"""
        if not self.use_graph:
            return
        # A prompt in every prefill tile regime (tuning.py: short/long dense matmul, MoE
        # tiles of 16, 64 and 128 rows); varied tokens, so the experts tune on spread routing.
        vocab = self.decoder.w.embed.shape[0]
        for length in sorted({min(n, self.max_len) for n in (64, 1024, 4096)}):
            ids = torch.randint(vocab, (length,), generator=torch.Generator().manual_seed(length))
            ids = ids.to(self.token.device)
            with torch.inference_mode():
                self.decoder.prefill(ids, 0)
        self.sampler.configure(replace(THINKING_PRESET, top_k=self.sampler.top_k), seed=0)
        for limit, _chunk in CHUNK_BUCKETS:
            context = min(limit or self.max_len, self.max_len) - 1
            self.pos.fill_(context)
            self._step(context)
        torch.cuda.synchronize()

    def reset_graphs(self) -> None:
        """Drop the captured graphs (and their memory pool); the next step captures again."""
        self._graphs.clear()
        self._pool = None

    def _step(self, context: int) -> None:
        """Decode the token in `self.token` at `self.pos` (== context, known to the host
        too); leave the next one in its place. Each attention chunk size has its graph."""
        fast = self.decoder.fast
        if fast is not None:
            fast.attention.chunk = chunk_for(context)
        if not self.use_graph:
            with torch.inference_mode():
                self._eager_step()
            return
        graph = self._graphs.get(fast.attention.chunk)
        if graph is None:
            graph = self._graphs[fast.attention.chunk] = self._capture()
        graph.replay()

    def _eager_step(self) -> None:
        logits = self.decoder.decode_step(self.token, self.pos)
        self.sampler.sample(logits, out=self.token)
        self.pos.add_(1)

    def _capture(self) -> torch.cuda.CUDAGraph:
        """Warm up on a side stream (Triton compiles here), then capture one step. The
        warm-up steps run on real state, so save and restore what they change."""
        saved = (self.token.clone(), self.pos.clone(), self.sampler.seen.clone())
        stream = torch.cuda.Stream()
        stream.wait_stream(torch.cuda.current_stream())
        with torch.cuda.stream(stream), torch.inference_mode():
            for _ in range(2):
                self._restore(saved)
                self._eager_step()
        torch.cuda.current_stream().wait_stream(stream)
        self._restore(saved)
        graph = torch.cuda.CUDAGraph()
        if hasattr(graph, "register_generator_state"):
            graph.register_generator_state(self.sampler.generator)
        with torch.cuda.graph(graph, pool=self._pool), torch.inference_mode():
            self._eager_step()
        self._pool = graph.pool()  # graphs never run at once, so they share one pool
        self._restore(saved)
        return graph

    def _restore(self, saved: tuple[torch.Tensor, ...]) -> None:
        self.token.copy_(saved[0])
        self.pos.copy_(saved[1])
        self.sampler.seen.copy_(saved[2])


def _effective_top_k(top_k: int, vocab_size: int) -> int:
    return top_k if 0 < top_k < vocab_size else vocab_size
