"""`DecodeReplay`: several decode steps per call, captured as one CUDA graph.

Each step decodes the token in the state at its position (every layer, the lm_head and
sampling), then `decode_advance` feeds the sampled token to the next step, or leaves
everything as it was once the reply has ended (a stop id, or the length limit), all on the
device. So one replay yields `steps` tokens for a single launch from the host, and the host
needs Python (and the GIL) once per `steps` tokens instead of once a token.

One graph per attention chunk size (`decode_attention.CHUNK_BUCKETS`); they share one
memory pool, since they never run at once. Without graphs (the CPU, or weights the kernels
do not take) the same steps run eagerly, so the tests exercise the code the graph holds.
"""

from __future__ import annotations

from typing import Any

import torch

from qwen_tui.engine.kernels.decode_advance import StepState, advance
from qwen_tui.engine.kernels.decode_attention import chunk_for
from qwen_tui.engine.runner.decoder import Decoder
from qwen_tui.engine.runner.sampler import DeviceSampler


class DecodeReplay:
    def __init__(
        self, decoder: Decoder, sampler: DeviceSampler, steps: int, use_graph: bool
    ) -> None:
        if steps < 1:
            raise ValueError(f"a replay runs at least one step, got {steps}")
        self.decoder, self.sampler, self.steps, self.use_graph = decoder, sampler, steps, use_graph
        device = decoder.w.embed.device
        self.state = StepState.allocate(steps, device)
        self.sampled = torch.zeros(1, dtype=torch.int64, device=device)
        self._graphs: dict[int, torch.cuda.CUDAGraph] = {}  # by attention chunk size
        self._pool: Any = None  # torch's private handle of the graphs' shared memory pool

    def __call__(self, context: int) -> None:
        """Run `steps` decode steps from the state; the first decodes at position `context`
        (the host knows it too), so the attention's chunk size suits the replay's last."""
        fast = self.decoder.fast
        if fast is not None:
            fast.attention.chunk = chunk_for(context + self.steps - 1)
        if not self.use_graph:
            with torch.inference_mode():
                self._steps()
            return
        assert fast is not None  # graphs capture only the fast path
        graph = self._graphs.get(fast.attention.chunk)
        if graph is None:
            graph = self._graphs[fast.attention.chunk] = self._capture()
        graph.replay()

    def reset(self) -> None:
        """Drop the captured graphs (and their memory pool); the next call captures again."""
        self._graphs.clear()
        self._pool = None

    def _steps(self) -> None:
        use_triton = self.decoder.fast is not None
        for index in range(self.steps):
            logits = self.decoder.decode_step(self.state.token, self.state.pos)
            self.sampler.sample(logits, out=self.sampled)
            advance(self.state, self.sampled, index, use_triton)

    def _capture(self) -> torch.cuda.CUDAGraph:
        """Warm up on a side stream (Triton compiles here), then capture the steps. The
        warm-up runs on real state, so save and restore what it changes, the random
        draws included: a capture in the middle of a reply leaves its tokens as they were."""
        saved = self._save()
        stream = torch.cuda.Stream()
        stream.wait_stream(torch.cuda.current_stream())
        with torch.cuda.stream(stream), torch.inference_mode():
            self._steps()
        torch.cuda.current_stream().wait_stream(stream)
        self._restore(saved)
        graph = torch.cuda.CUDAGraph()
        if hasattr(graph, "register_generator_state"):
            graph.register_generator_state(self.sampler.generator)
        with torch.cuda.graph(graph, pool=self._pool), torch.inference_mode():
            self._steps()
        self._pool = graph.pool()
        self._restore(saved)
        return graph

    def _save(self) -> tuple[Any, ...]:
        sampler = self.sampler
        return (
            self.state.snapshot(),
            sampler.seen.clone(),
            sampler.draws.clone(),
            sampler.generator.get_state(),
        )

    def _restore(self, saved: tuple[Any, ...]) -> None:
        state, seen, draws, generator = saved
        self.state.restore(state)
        self.sampler.seen.copy_(seen)
        self.sampler.draws.copy_(draws)
        self.sampler.generator.set_state(generator)
