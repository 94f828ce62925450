"""`StopStrings`: ends an answer at the first of the request's `stop` strings, as it streams.

Text that might be the start of a stop string is held back until the next piece shows
whether it is, so the client never sees a stop string, not even split across pieces.
"""

from __future__ import annotations

from collections.abc import Sequence


class StopStrings:
    """Watches one answer; `hit` turns True at the first stop string, which is cut off."""

    def __init__(self, stops: Sequence[str]) -> None:
        self._stops = tuple(s for s in stops if s)
        self._held = ""
        self.hit = False

    def feed(self, text: str) -> str:
        """The part of `text` (after what was held) that can be shown now."""
        if not self._stops:
            return text
        buffer = self._held + text
        ends = [i for i in (buffer.find(stop) for stop in self._stops) if i >= 0]
        if ends:
            self.hit = True
            self._held = ""
            return buffer[: min(ends)]
        keep = max(_prefix_overlap(buffer, stop) for stop in self._stops)
        self._held = buffer[len(buffer) - keep :]
        return buffer[: len(buffer) - keep]

    def flush(self) -> str:
        """The answer ended without a stop string: what was held back is answer text."""
        held, self._held = self._held, ""
        return held


def _prefix_overlap(text: str, stop: str) -> int:
    """How many trailing characters of `text` are the start of `stop`."""
    for length in range(min(len(stop) - 1, len(text)), 0, -1):
        if text.endswith(stop[:length]):
            return length
    return 0
