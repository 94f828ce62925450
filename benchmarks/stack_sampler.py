"""Where a process's threads are over a short window: their stacks sampled every
millisecond (`sys._current_frames`), counted by the innermost frames, for `ui_speed.py`'s
`--sample-stacks` (what the UI thread and the engine thread do before the first token).

The sampler takes the GIL for each sample, so it slows both a little; its counts say where
each thread is, not how long a thing takes alone.
"""

from __future__ import annotations

import sys
import threading
import time
from collections import Counter
from pathlib import Path

DEPTH = 4  # innermost frames that name a sample


class StackSampler:
    """Samples every thread but its own from `start()` to `stop()`."""

    def __init__(self, interval_s: float = 0.001) -> None:
        self.interval_s = interval_s
        self.counts: Counter[tuple[str, str]] = Counter()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        self._thread = threading.Thread(target=self._sample, name="stack-sampler", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join()

    def write(self, path: str | Path, most: int = 30) -> None:
        """The most common stacks per thread, with their share of that thread's samples."""
        totals: Counter[str] = Counter()
        for (thread, _), n in self.counts.items():
            totals[thread] += n
        lines = []
        for thread, total in totals.most_common():
            lines.append(f"== {thread}: {total} samples")
            rows = [(n, stack) for (name, stack), n in self.counts.items() if name == thread]
            for n, stack in sorted(rows, reverse=True)[:most]:
                lines.append(f"{100 * n / total:5.1f}%  {stack}")
        Path(path).write_text("\n".join(lines) + "\n")

    def _sample(self) -> None:
        own = threading.get_ident()
        while not self._stop.is_set():
            names = {t.ident: t.name for t in threading.enumerate()}
            for ident, frame in sys._current_frames().items():
                if ident == own:
                    continue
                stack = []
                while frame is not None and len(stack) < DEPTH:
                    code = frame.f_code
                    stack.append(f"{code.co_name}@{Path(code.co_filename).name}:{frame.f_lineno}")
                    frame = frame.f_back
                self.counts[(names.get(ident, str(ident)), " < ".join(stack))] += 1
            time.sleep(self.interval_s)
