"""Incremental detokenization that never shows half a character.

A byte-level tokenizer may split one UTF-8 character (Chinese, emoji) across tokens; decoding
the first of them alone gives U+FFFD. A trailing U+FFFD is held back until the next token
completes it; the text before it is returned at once. Each step decodes only a short window
(the ids since the last point where the text was whole), so a 32k-token reply costs O(n),
not O(n²).
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
        self._context_start = 0  # the last text returned is re-decoded as context
        self._read = 0  # ids before this index have been returned as text
        self._shown_beyond_read = 0  # characters returned from ids at or after `_read`

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
        shown = self._decode(self._ids[self._context_start : self._read])
        text = self._decode(self._ids[self._context_start :])
        whole = final or not text.endswith(REPLACEMENT_CHARACTER)
        complete = text if whole else text.rstrip(REPLACEMENT_CHARACTER)
        new = complete[len(shown) + self._shown_beyond_read :]
        if whole and len(text) > len(shown):
            self._context_start, self._read = self._read, len(self._ids)
            self._shown_beyond_read = 0
        else:
            self._shown_beyond_read += len(new)
        return new
