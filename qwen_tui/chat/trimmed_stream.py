"""One part of a streamed reply, trimmed as the model card's parser trims it.

The card decodes the thinking and the answer and calls `.strip("\n")` on each. To do the
same while streaming, leading newlines are dropped as they arrive and trailing newlines are
held back until more text shows they were inside the part rather than at its end.
"""

from __future__ import annotations


class TrimmedStream:
    """Streams one part (thinking or answer); `text` is always what has been shown so far,
    and equals `raw.strip("\n")` once the part is closed."""

    def __init__(self) -> None:
        self._pieces: list[str] = []  # joined on demand: += on a long str copies it each time
        self._held_newlines = ""
        self.closed = False

    @property
    def text(self) -> str:
        if len(self._pieces) > 1:
            self._pieces = ["".join(self._pieces)]
        return self._pieces[0] if self._pieces else ""

    def push(self, raw: str) -> str:
        """Take more raw text; return the piece that can be shown now (may be empty)."""
        if self.closed:
            raise RuntimeError("this part of the reply is already closed")
        if not self._pieces:
            raw = raw.lstrip("\n")
        body = self._held_newlines + raw
        shown = body.rstrip("\n")
        self._held_newlines = body[len(shown) :]
        if shown:
            self._pieces.append(shown)
        return shown

    def close(self) -> None:
        """The part ended: newlines still held back were trailing ones, so they are dropped."""
        self._held_newlines = ""
        self.closed = True
