"""`CachedIds`: which token ids the KV cache holds, so a prompt reads only what is new.

A conversation's next prompt starts with the one before: the system prompt, the earlier
turns, often the last reply as generated. Its rows are in the cache already, from the
last request's prefill and decode steps, so only the ids after the common prefix need a
prefill (a later turn's first token then costs its own message, not the whole history).
Where the history differs (a reply's thinking left out, an edited turn) the prefix ends
there and the rest is read again.

A decode step writes the row of the token it is given, so of a reply's tokens all but the
last are in the cache once the host has them; rows a discarded replay wrote past them are
not claimed.
"""

from __future__ import annotations

from collections.abc import Sequence

_BLOCK = 512  # ids compared a slice at a time (list equality runs in C)


class CachedIds:
    def __init__(self) -> None:
        self._ids: list[int] = []  # the ids of cache rows 0..len-1
        self._last: int | None = None  # a reply's last token so far: its row is not written yet

    def reusable(self, prompt: Sequence[int]) -> int:
        """How many leading ids of `prompt` have their rows in the cache; at least one id
        is left to prefill, since its logits give the first token."""
        ids, limit = self._ids, min(len(self._ids), len(prompt) - 1)
        same = 0
        while same < limit:
            end = min(same + _BLOCK, limit)
            if ids[same:end] == list(prompt[same:end]):
                same = end
                continue
            while ids[same] == prompt[same]:
                same += 1
            break
        return same

    def start(self, kept: int) -> None:
        """A request reads its prompt from row `kept` on: rows past it are being rewritten."""
        del self._ids[kept:]
        self._last = None

    def prefilled(self, prompt: Sequence[int]) -> None:
        """The prefill of `prompt` (started at `start`'s row) has run: its rows are in the
        cache."""
        self._ids.extend(prompt[len(self._ids) :])

    def generated(self, block: Sequence[int]) -> None:
        """The host has these reply tokens: every one before the last has been decoded."""
        if not block:
            return
        if self._last is not None:
            self._ids.append(self._last)
        self._ids.extend(block[:-1])
        self._last = block[-1]

    def forget(self) -> None:
        """Claim no rows (benchmarks time prompts read from the start)."""
        self._ids.clear()
        self._last = None

    def __len__(self) -> int:
        return len(self._ids)
