"""The playback timeline of one assistant turn: when each piece of text appeared.

Streamed deltas are coalesced into buckets of `BUCKET_S` seconds, so a reply of
thousands of tokens keeps a few entries per second. On disk an entry is
`[offset_s, "t" | "a", n]`: the offset from the user's message (2 decimals), thinking or
answer, and how many characters of that text appeared, so the text is not stored twice.
When the deltas do not add up to the final texts, entries carry the text itself instead.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

BUCKET_S = 0.05
OFFSET_DECIMALS = 2
_CODES = {"thinking": "t", "answer": "a"}
_KINDS = {code: kind for kind, code in _CODES.items()}


@dataclass(frozen=True)
class Chunk:
    """Text that appeared `offset_s` seconds after the turn began."""

    offset_s: float
    kind: str  # "thinking" or "answer"
    text: str


class TimelineBuilder:
    """Collects one turn's deltas as they stream, merging those close in time."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._origin: float | None = None
        self._chunks: list[Chunk] = []

    def start(self) -> None:
        """The turn begins now (the user's message was sent); drops any earlier deltas."""
        self._origin = self._clock()
        self._chunks = []

    def add(self, kind: str, text: str) -> None:
        if kind not in _CODES:
            raise ValueError(f"delta kind must be 'thinking' or 'answer', got {kind!r}")
        if not text:
            return
        now = self._clock()
        if self._origin is None:
            self._origin = now
        offset = now - self._origin
        last = self._chunks[-1] if self._chunks else None
        if last is not None and last.kind == kind and offset - last.offset_s < BUCKET_S:
            self._chunks[-1] = Chunk(last.offset_s, kind, last.text + text)
        else:
            self._chunks.append(Chunk(offset, kind, text))

    def take(self) -> list[Chunk]:
        """The turn's chunks; the builder starts empty again."""
        chunks, self._chunks, self._origin = self._chunks, [], None
        return chunks


def encode_timeline(chunks: Sequence[Chunk], thinking: str, answer: str) -> list[list]:
    """The compact on-disk form of `chunks` for a turn whose final texts are given."""
    by_count = _joined(chunks, "thinking") == thinking and _joined(chunks, "answer") == answer
    return [
        [
            round(c.offset_s, OFFSET_DECIMALS),
            _CODES[c.kind],
            len(c.text) if by_count else c.text,
        ]
        for c in chunks
    ]


def decode_timeline(raw: object, thinking: str, answer: str) -> list[Chunk]:
    """Chunks from the on-disk form; raises ValueError on anything malformed."""
    if not isinstance(raw, list):
        raise ValueError("timeline must be a list")
    texts = {"thinking": thinking, "answer": answer}
    cursors = {"thinking": 0, "answer": 0}
    chunks = []
    for entry in raw:
        if not (isinstance(entry, list) and len(entry) == 3 and entry[1] in _KINDS):
            raise ValueError(f"bad timeline entry {entry!r}")
        offset, code, piece = entry
        if not isinstance(offset, int | float) or isinstance(offset, bool) or offset < 0:
            raise ValueError(f"bad timeline offset {offset!r}")
        kind = _KINDS[code]
        if isinstance(piece, int) and not isinstance(piece, bool):
            start = cursors[kind]
            piece, cursors[kind] = texts[kind][start : start + piece], start + piece
        elif not isinstance(piece, str):
            raise ValueError(f"bad timeline text {piece!r}")
        chunks.append(Chunk(float(offset), kind, piece))
    return chunks


def _joined(chunks: Sequence[Chunk], kind: str) -> str:
    return "".join(c.text for c in chunks if c.kind == kind)
