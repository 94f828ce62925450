"""Incremental detokenization that never shows half a character.

A byte-level tokenizer may split one UTF-8 character (Chinese, emoji) across tokens; decoding
the first of them alone gives U+FFFD. Text ending in U+FFFD is held back until the next token
completes it. Each step decodes only a short window (the ids since the last point where the
text was whole, plus one earlier token as context), so a 32k-token reply costs O(n), not O(n²).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

REPLACEMENT_CHARACTER = "\ufffd"

Decode = Callable[[list[int]], str]


class IncrementalDecoder:
    """Turns token ids into text deltas with `decode`, which maps a list of ids to text."""

    def __init__(self, decode: Decode) -> None:
        self._decode = decode
        self._ids: list[int] = []
        self._context_start = 0  # decoding starts here, one token before the unread ones
        self._read = 0  # ids before this index have been returned as text

    def push(self, token_ids: Sequence[int]) -> str:
        """Add ids; return the new text that is complete (possibly empty)."""
        self._ids.extend(token_ids)
        return self._take(final=False)

    def flush(self) -> str:
        """Return whatever is left, even an incomplete character (shown as U+FFFD)."""
        return self._take(final=True)

    def _take(self, *, final: bool) -> str:
        if self._read == len(self._ids):
            return ""
        window = self._ids[self._context_start :]
        shown = self._decode(self._ids[self._context_start : self._read])
        text = self._decode(window)
        if not final and (text.endswith(REPLACEMENT_CHARACTER) or len(text) <= len(shown)):
            return ""
        self._context_start, self._read = self._read, len(self._ids)
        return text[len(shown) :]
