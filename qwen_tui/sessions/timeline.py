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

from qwen_tui.chat.parts import Part

BUCKET_S = 0.05
OFFSET_DECIMALS = 2
_CODES = {Part.THINKING: "t", Part.ANSWER: "a"}
_PARTS = {code: part for part, code in _CODES.items()}


@dataclass(frozen=True)
class Chunk:
    """Text that appeared `offset_s` seconds after the turn began."""

    offset_s: float
    part: Part
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

    def add(self, part: Part, text: str) -> None:
        if not text:
            return
        now = self._clock()
        if self._origin is None:
            self._origin = now
        offset = now - self._origin
        last = self._chunks[-1] if self._chunks else None
        if last is not None and last.part is part and offset - last.offset_s < BUCKET_S:
            self._chunks[-1] = Chunk(last.offset_s, part, last.text + text)
        else:
            self._chunks.append(Chunk(offset, part, text))

    @property
    def chunks(self) -> list[Chunk]:
        """The chunks so far, oldest first (do not change them)."""
        return self._chunks

    def take(self) -> list[Chunk]:
        """The turn's chunks; the builder starts empty again."""
        chunks, self._chunks, self._origin = self._chunks, [], None
        return chunks


def encode_timeline(
    chunks: Sequence[Chunk], thinking: str, answer: str
) -> list[list[float | str | int]]:
    """The compact on-disk form of `chunks` for a turn whose final texts are given."""
    by_count = _joined(chunks, Part.THINKING) == thinking and _joined(chunks, Part.ANSWER) == answer
    return [
        [
            round(c.offset_s, OFFSET_DECIMALS),
            _CODES[c.part],
            len(c.text) if by_count else c.text,
        ]
        for c in chunks
    ]


def decode_timeline(raw: object, thinking: str, answer: str) -> list[Chunk]:
    """Chunks from the on-disk form; raises ValueError on anything malformed."""
    if not isinstance(raw, list):
        raise ValueError("timeline must be a list")
    texts = {Part.THINKING: thinking, Part.ANSWER: answer}
    cursors = {Part.THINKING: 0, Part.ANSWER: 0}
    chunks = []
    for entry in raw:
        if not (isinstance(entry, list) and len(entry) == 3 and entry[1] in _PARTS):
            raise ValueError(f"bad timeline entry {entry!r}")
        offset, code, piece = entry
        if not isinstance(offset, int | float) or isinstance(offset, bool) or offset < 0:
            raise ValueError(f"bad timeline offset {offset!r}")
        part = _PARTS[code]
        if isinstance(piece, int) and not isinstance(piece, bool):
            start, end = cursors[part], cursors[part] + piece
            piece, cursors[part] = texts[part][start:end], end
        elif not isinstance(piece, str):
            raise ValueError(f"bad timeline text {piece!r}")
        chunks.append(Chunk(float(offset), part, piece))
    return chunks


def _joined(chunks: Sequence[Chunk], part: Part) -> str:
    return "".join(c.text for c in chunks if c.part is part)
