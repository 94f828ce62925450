"""`PrefillReplay`: a short prompt chunk as one CUDA graph replay.

A short prefill is host-bound: its kernels take a few milliseconds of the GPU, but queueing
them takes Python about 0.75 ms a layer (36 ms for the 30B model's 48 layers on an H100,
benchmarks/NOTES.md), and in the chat the UI thread takes its share of the GIL meanwhile.
One graph per bucket of chunk lengths holds the whole chunk (`FastPrefill.graphed`): a
chunk is padded to its bucket, and its start and last row go in device buffers, so one
graph serves a chunk of any length up to the bucket's, at any start.

The graphs share one memory pool, since they never run at once. Without graphs (the CPU)
the same padded chunk runs eagerly, so the tests exercise the code the graph holds.
"""

from __future__ import annotations

from typing import Any

import torch

from qwen_tui.engine.runner.fast_prefill import FastPrefill

# Chunk lengths a graph is captured for. Graphs of 1,024 and 2,048 rows won too (37 and
# 51 ms against the eager prefill's 72 on an H100) but double the start's capture time.
GRAPH_BUCKETS = (32, 64, 128, 256, 512)
# Rows times keys a graphed chunk's attention may cover (bucket * (start + bucket)); past
# it the chunk prefills eagerly (None: no cap). On an H100 the graphs beat the eager
# prefill at every start measured, 200 rows after 30,000 cached ones too (41 against 59
# ms idle, benchmarks/prefill_graphs.py): the attention runs near flash attention's rate
# either way, and the eager prefill's ~2,800 launches wait for the GIL in the chat.
GRAPH_MAX_ATTENDED: int | None = None


class PrefillReplay:
    def __init__(
        self,
        prefill: FastPrefill,
        max_len: int,
        use_graph: bool,
        buckets: tuple[int, ...] = GRAPH_BUCKETS,
    ) -> None:
        self.prefill, self.max_len, self.use_graph = prefill, max_len, use_graph
        self.buckets = tuple(sorted(buckets))
        device = prefill.w.embed.device
        # Rows past a chunk keep the ids of an earlier one: any token id serves as padding.
        self.ids = torch.zeros(self.buckets[-1], dtype=torch.int64, device=device)
        self.start = torch.zeros(1, dtype=torch.int64, device=device)
        self.last = torch.zeros(1, dtype=torch.int64, device=device)
        self._graphs: dict[int, tuple[torch.cuda.CUDAGraph, torch.Tensor]] = {}  # and logits
        self._pool: Any = None  # torch's private handle of the graphs' shared memory pool

    def bucket_for(self, tokens: int, start: int) -> int | None:
        """The padded length that takes `tokens` rows from `start`, or None: too long, its
        padding would run past the end of the cache, or its attention is past the cap."""
        bucket = next((b for b in self.buckets if tokens <= b), None)
        if bucket is None or start + bucket > self.max_len:
            return None
        cap = GRAPH_MAX_ATTENDED
        return bucket if cap is None or bucket * (start + bucket) <= cap else None

    def __call__(self, ids: torch.Tensor, start: int) -> torch.Tensor:
        """ids [T] (on the device) at positions start..start+T-1 -> logits [V] of the last
        position, as `FastPrefill` gives them; the chunk must have a bucket."""
        tokens = ids.shape[0]
        bucket = self.bucket_for(tokens, start)
        if bucket is None:
            raise ValueError(f"no prefill graph takes {tokens} tokens from position {start}")
        self.ids[:tokens].copy_(ids)
        self.start.fill_(start)
        self.last.fill_(tokens - 1)
        if not self.use_graph:
            with torch.inference_mode():
                return self._run(bucket)
        graph, logits = self._graphs.get(bucket) or self.capture(bucket)
        graph.replay()
        return logits.clone()  # the graph's output is overwritten by its next replay

    def capture_all(self) -> None:
        """Capture every bucket's graph now, so no reply pays for it. Each is captured as a
        chunk from position 0 whose last row is its first: the buffers may still hold a
        longer chunk's last row or a later start, which a smaller bucket's capture run would
        read past its rows or past the cache's end with. (The cache rows it writes, from 0,
        are overwritten before they are read: the warm-up forgets the cached ids.)"""
        self.start.zero_()
        self.last.zero_()
        for bucket in self.buckets:
            if bucket not in self._graphs and bucket <= self.max_len:
                self.capture(bucket)

    def reset(self) -> None:
        """Drop the captured graphs (and their memory pool); the next call captures again."""
        self._graphs.clear()
        self._pool = None

    def capture(self, bucket: int) -> tuple[torch.cuda.CUDAGraph, torch.Tensor]:
        """Run the chunk once on a side stream (Triton compiles there), then capture it.
        The run and the replay write the same cache rows from the same buffers."""
        stream = torch.cuda.Stream()
        stream.wait_stream(torch.cuda.current_stream())
        with torch.cuda.stream(stream), torch.inference_mode():
            self._run(bucket)
        torch.cuda.current_stream().wait_stream(stream)
        graph = torch.cuda.CUDAGraph()
        with torch.cuda.graph(graph, pool=self._pool), torch.inference_mode():
            logits = self._run(bucket)
        self._pool = graph.pool()
        self._graphs[bucket] = (graph, logits)
        return graph, logits

    def _run(self, bucket: int) -> torch.Tensor:
        return self.prefill.graphed(self.ids[:bucket], self.start, self.last)
