"""`PacedMarkdownStream`: a reply streamed into a Markdown widget without starving the
engine of the GIL.

Appending to a Markdown widget re-parses and re-renders its last block, so a frame costs
more the longer the block being streamed grows: a long paragraph or code block can keep
the UI thread busy all the time, and the engine thread (which needs the GIL between GPU
steps) then waits for it. So the stream measures how much of the UI thread's time the
chat takes (`time.thread_time()`, CPU time of this thread only) and spaces its appends
out to keep that share near `UI_SHARE`, never faster than `FRAME_S` and never slower than
`SLOWEST_S`. What is shown is the same text; only how often it is redrawn changes.
"""

from __future__ import annotations

import asyncio
import time

from textual.widgets import Markdown

FRAME_S = 1 / 30
"""The fastest pace: no more appends than frames."""
SLOWEST_S = 0.5
"""The slowest pace: text is never held back longer than this."""
UI_SHARE = 0.25
"""The share of the UI thread's time the stream aims not to exceed."""


class PacedMarkdownStream:
    """Appends written fragments to `markdown`, paced as the module says."""

    def __init__(self, markdown: Markdown) -> None:
        self._markdown = markdown
        self._pending: list[str] = []
        self._new_text = asyncio.Event()
        self._interval = FRAME_S
        self._task = asyncio.create_task(self._run())

    async def write(self, fragment: str) -> None:
        """Queue `fragment` for the next append."""
        if fragment:
            self._pending.append(fragment)
            self._new_text.set()

    async def stop(self) -> None:
        """Append what is still queued and end the stream."""
        self._task.cancel()
        await asyncio.gather(self._task, return_exceptions=True)
        await self._flush()

    async def _run(self) -> None:
        wall, cpu = time.monotonic(), time.thread_time()
        while True:
            await self._new_text.wait()
            await self._flush()
            await asyncio.sleep(self._interval)
            now_wall, now_cpu = time.monotonic(), time.thread_time()
            self._interval = _next_interval(self._interval, now_cpu - cpu, now_wall - wall)
            wall, cpu = now_wall, now_cpu

    async def _flush(self) -> None:
        if not self._pending:
            return
        text = "".join(self._pending)
        self._pending.clear()
        self._new_text.clear()
        await asyncio.shield(self._markdown.append(text))


def _next_interval(interval: float, busy_s: float, elapsed_s: float) -> float:
    """Stretch the interval when the UI thread was busier than `UI_SHARE` over the last
    one, shrink it when it was idler; halfway each time, so one slow frame does not jerk."""
    share = busy_s / elapsed_s if elapsed_s > 0 else 0.0
    wanted = interval * share / UI_SHARE
    return min(SLOWEST_S, max(FRAME_S, (interval + wanted) / 2))
