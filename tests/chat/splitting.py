"""Helpers for the splitter tests: run a splitter over chunks, and a tiny byte tokenizer.

The tokenizer is byte-level like Qwen's: every id below 256 is one UTF-8 byte, so a Chinese
character or an emoji spans several tokens, and the think tags have ids of their own.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass

from qwen_tui.chat.parts import TextDelta
from qwen_tui.chat.splitter import TextThinkingSplitter
from qwen_tui.chat.token_splitter import TokenThinkingSplitter

THINK_START_ID = 1000
THINK_END_ID = 1001
_TAG_IDS = {"<think>": THINK_START_ID, "</think>": THINK_END_ID}


def encode(text: str) -> list[int]:
    """Ids for `text`: the tags become their special ids, everything else UTF-8 bytes."""
    ids: list[int] = []
    while text:
        positions = [(text.find(tag), tag) for tag in _TAG_IDS if tag in text]
        if not positions:
            ids += text.encode("utf-8")
            break
        index, tag = min(positions)
        ids += text[:index].encode("utf-8")
        ids.append(_TAG_IDS[tag])
        text = text[index + len(tag) :]
    return ids


def decode(ids: list[int]) -> str:
    """Byte-level decoding; an incomplete character comes out as U+FFFD."""
    assert all(i < 256 for i in ids), "the splitter must never decode a tag id"
    return bytes(ids).decode("utf-8", errors="replace")


@dataclass(frozen=True)
class Split:
    deltas: list[TextDelta]
    thinking: str
    answer: str
    thinking_finished: bool
    relabelled: bool

    def streamed(self, kind: str) -> str:
        """What a UI appending every delta of `kind` would show."""
        return "".join(d.text for d in self.deltas if d.part == kind)


def split_text(chunks: Sequence[str], **options: bool) -> Split:
    splitter = TextThinkingSplitter(**options)
    deltas = [d for chunk in chunks for d in splitter.feed(chunk)]
    deltas += splitter.finish()
    return Split(
        deltas, splitter.thinking, splitter.answer, splitter.thinking_finished, splitter.relabelled
    )


def split_tokens(chunks: Sequence[Sequence[int]], **options: bool) -> Split:
    splitter = TokenThinkingSplitter(THINK_START_ID, THINK_END_ID, decode, **options)
    deltas = [d for chunk in chunks for d in splitter.feed(chunk)]
    deltas += splitter.finish()
    return Split(
        deltas, splitter.thinking, splitter.answer, splitter.thinking_finished, splitter.relabelled
    )


def chop(items: Sequence, rng: random.Random, max_piece: int = 5) -> list:
    """`items` cut at random places into pieces of 1 to `max_piece` (strings or id lists)."""
    pieces, start = [], 0
    while start < len(items):
        end = start + rng.randint(1, max_piece)
        pieces.append(items[start:end])
        start = end
    return pieces
