"""Where a reply's time to the first token goes inside the local engine, for
`ui_speed.py --split-first-token`: the runner's prefill and its first token copy are
wrapped with clocks, so a turn splits into the wait before the prefill starts (the queue,
the prompt's rendering; with the engine given, split again where the engine thread picks
the request up, has rendered the prompt and enters the runner), the prefill's host time
(Python queueing kernels: slow when another thread holds the GIL), and the wait after it
for the GPU to finish.

Compare the prefill's host time in the chat with `prefill_host.py`'s for the same length
alone: if the chat's is longer, the UI thread took the GIL meanwhile; if the wait after it
is longer, the GPU had more to do.
"""

from __future__ import annotations

import time
from typing import Any


class FirstTokenSplit:
    def __init__(self, runner: Any, engine: Any = None) -> None:
        """`runner`: the engine's `Runner` (qwen_tui.engine.runner.generate); `engine`: the
        `LocalEngine` that owns it, to split the wait before the prefill too."""
        self.reset()
        self.prefill_tokens = 0
        decoder, host = runner.decoder, runner._host
        prefill, receive, configure = decoder.prefill, host.receive, runner._configure

        def timed_configure(*args, **kwargs):
            if self.configured is None:
                self.configured = time.perf_counter()
            return configure(*args, **kwargs)

        runner._configure = timed_configure
        if engine is not None:
            self._clock_engine(engine)

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

    def _clock_engine(self, engine: Any) -> None:
        generate, render = engine._generate, engine.render_prompt

        def timed_generate(*args, **kwargs):
            self.generate_entered = time.perf_counter()
            return generate(*args, **kwargs)

        def timed_render(*args, **kwargs):
            rendered = render(*args, **kwargs)
            # The UI thread renders too (the budget check): only the engine thread's counts.
            if self.generate_entered is not None and self.rendered is None:
                self.rendered = time.perf_counter()
            return rendered

        engine._generate, engine.render_prompt = timed_generate, timed_render

    def reset(self) -> None:
        """Forget the last reply's clocks (`time.perf_counter()` readings, None until seen)."""
        self.generate_entered: float | None = None
        self.rendered: float | None = None
        self.configured: float | None = None
        self.prefill_called: float | None = None
        self.prefill_returned: float | None = None
        self.first_received: float | None = None

    def report(self, submitted_at: float) -> dict:
        """Milliseconds from the request's submission (`time.perf_counter()`)."""
        called, returned, received = self.prefill_called, self.prefill_returned, self.first_received
        if called is None or returned is None or received is None:
            return {"error": "the runner's prefill or first copy was not seen"}
        before = {}
        if self.generate_entered is not None and self.rendered is not None:
            before = {
                "picked_up_ms": _ms(self.generate_entered - submitted_at),
                "rendered_ms": _ms(self.rendered - submitted_at),
            }
        if self.configured is not None:
            before["runner_entered_ms"] = _ms(self.configured - submitted_at)
        return {
            "prefill_tokens": self.prefill_tokens,
            "before_prefill_ms": _ms(called - submitted_at),
            "before_prefill": before,
            "prefill_host_ms": _ms(returned - called),
            "gpu_after_host_ms": _ms(received - returned),
        }


def _ms(seconds: float) -> float:
    return round(seconds * 1000, 1)
