"""Where a reply's time to the first token goes inside the local engine, for
`ui_speed.py --split-first-token`: the runner's prefill and its first token copy are
wrapped with clocks, so a turn splits into the wait before the prefill starts (the queue,
the prompt's rendering), the prefill's host time (Python queueing kernels: slow when
another thread holds the GIL), and the wait after it for the GPU to finish.

Compare the prefill's host time in the chat with `prefill_host.py`'s for the same length
alone: if the chat's is longer, the UI thread took the GIL meanwhile; if the wait after it
is longer, the GPU had more to do.
"""

from __future__ import annotations

import time
from typing import Any


class FirstTokenSplit:
    def __init__(self, runner: Any) -> None:
        """`runner`: the engine's `Runner` (qwen_tui.engine.runner.generate)."""
        self.reset()
        self.prefill_tokens = 0
        decoder, host = runner.decoder, runner._host
        prefill, receive = decoder.prefill, host.receive

        def timed_prefill(ids, start, *args, **kwargs):
            first = self.prefill_called is None
            if first:
                self.prefill_called = time.perf_counter()
                self.prefill_tokens = int(ids.shape[0])
            logits = prefill(ids, start, *args, **kwargs)
            if first:
                self.prefill_returned = time.perf_counter()
            return logits

        def timed_receive(index, count):
            tokens = receive(index, count)
            if index == 0 and self.first_received is None:
                self.first_received = time.perf_counter()
            return tokens

        decoder.prefill, host.receive = timed_prefill, timed_receive

    def reset(self) -> None:
        """Forget the last reply's clocks (`time.perf_counter()` readings, None until seen)."""
        self.prefill_called: float | None = None
        self.prefill_returned: float | None = None
        self.first_received: float | None = None

    def report(self, submitted_at: float) -> dict:
        """Milliseconds from the request's submission (`time.perf_counter()`)."""
        called, returned, received = self.prefill_called, self.prefill_returned, self.first_received
        if called is None or returned is None or received is None:
            return {"error": "the runner's prefill or first copy was not seen"}
        return {
            "prefill_tokens": self.prefill_tokens,
            "before_prefill_ms": _ms(called - submitted_at),
            "prefill_host_ms": _ms(returned - called),
            "gpu_after_host_ms": _ms(received - returned),
        }


def _ms(seconds: float) -> float:
    return round(seconds * 1000, 1)
