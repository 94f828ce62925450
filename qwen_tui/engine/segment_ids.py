"""`SegmentIds`: a prompt's token ids, the pieces between its special tokens remembered.

A chat's prompt grows by a turn at a time, yet the context budget tokenized the whole
conversation on the UI thread before every reply (a 14k-token history: 11 of the 14 ms from
Enter to the request's submission on this project's CPU machine; 32-34 ms passed there on
the GPU machine).
The tokenizer splits a text at its added tokens (`<|im_start|>`, `<|im_end|>`, `<think>`,
...) before anything else and encodes each piece between them on its own, so the ids of a
text are its pieces' ids in order: the pieces seen before (earlier turns) are looked up,
and only new ones are encoded, in one batch.

That holds where every added token matches as written (not normalized, no stripping of
the spaces beside it, not only as a whole word), as in Qwen3's tokenizer; for any other
tokenizer the whole text is encoded, as before.
"""

from __future__ import annotations

import re
from collections import OrderedDict
from typing import Any

REMEMBERED_CHARS = 1_000_000
"""Characters of pieces kept: several full contexts (40,960 tokens are about 160k
characters), about 10 MB of ids."""


class SegmentIds:
    """`ids(text)` is `tokenizer(text, add_special_tokens=False)["input_ids"]`, computed
    piece by piece. Not thread-safe: the caller holds the tokenizer's lock."""

    def __init__(self, tokenizer: Any, remembered_chars: int = REMEMBERED_CHARS) -> None:
        self._tokenizer = tokenizer
        self._budget = remembered_chars
        self._chars = 0
        self._pieces: OrderedDict[str, tuple[int, ...]] = OrderedDict()
        added = tokenizer.added_tokens_decoder  # id -> AddedToken
        self._added = {token.content: token_id for token_id, token in added.items()}
        splits_as_written = all(
            not (token.normalized or token.lstrip or token.rstrip or token.single_word)
            for token in added.values()
        )
        # Longest first: at one position the regex takes the first alternative that matches,
        # and the tokenizer the longest added token.
        contents = sorted(self._added, key=len, reverse=True)
        self._splitter = (
            re.compile("(" + "|".join(map(re.escape, contents)) + ")")
            if splits_as_written and contents
            else None
        )

    def ids(self, text: str) -> list[int]:
        if self._splitter is None:
            return list(self._encode([text])[0])
        pieces = self._splitter.split(text)  # text, added, text, added, ..., text
        texts = [piece for piece in dict.fromkeys(pieces[0::2]) if piece]
        new = [piece for piece in texts if piece not in self._pieces]
        encoded = dict(zip(new, map(tuple, self._encode(new)), strict=True))
        known = {p: encoded[p] if p in encoded else self._pieces[p] for p in texts}
        ids: list[int] = []
        for i, piece in enumerate(pieces):
            if i % 2:
                ids.append(self._added[piece])
            elif piece:
                ids.extend(known[piece])
        for piece, piece_ids in known.items():
            self._remember(piece, piece_ids)
        return ids

    def _encode(self, texts: list[str]) -> list[list[int]]:
        if not texts:
            return []
        encoded: list[list[int]] = self._tokenizer(texts, add_special_tokens=False)["input_ids"]
        return encoded

    def _remember(self, piece: str, piece_ids: tuple[int, ...]) -> None:
        """Keep `piece` as the most recently used, the least recent ones going past the
        budget (the newest always stays)."""
        if piece in self._pieces:
            self._pieces.move_to_end(piece)
            return
        self._pieces[piece] = piece_ids
        self._chars += len(piece)
        while self._chars > self._budget and len(self._pieces) > 1:
            old, _ = self._pieces.popitem(last=False)
            self._chars -= len(old)
