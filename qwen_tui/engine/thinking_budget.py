"""The thinking budget: once the thinking reaches N tokens, end it with forced tokens.

The Qwen3 technical report stops thinking at its budget by inserting `STOP_THINKING_TEXT`
and letting the model answer from there. Here that happens between the decode loop and a
token source: `BudgetedTokens` counts the thinking ids as they come, cuts the block at the
Nth, yields the tokens of the stop text as if the model had written them, and opens a new
source whose prompt carries the reply so far plus those tokens, so the model reads them
(a prefill) and goes on with the answer.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence

STOP_THINKING_TEXT = (
    "Considering the limited time by the user, I have to give the solution based on the "
    "thinking directly now.\n</think>.\n\n"
)

SourceOpener = Callable[[Sequence[int], int], Iterator[list[int]]]
"""(the ids so far, how many of them the source already holds in its cache) -> blocks."""


class BudgetedTokens:
    """Blocks from `open_source`, with the stop text forced in at `budget` thinking tokens.

    `reached` says whether it was. The forced ids after `</think>` (".\\n\\n") are for the
    model; `shown` leaves them out of what the user sees at the head of the answer.
    """

    def __init__(
        self,
        open_source: SourceOpener,
        prompt: Sequence[int],
        budget: int,
        forced: Sequence[int],
        think_ids: tuple[int, int],
        *,
        in_thinking: bool = False,
    ) -> None:
        if budget < 1:
            raise ValueError(f"a thinking budget is at least 1 token, got {budget}")
        self._open = open_source
        self._prompt = list(prompt)
        self._budget = budget
        self._forced = list(forced)
        self._start_id, self._end_id = think_ids
        self._in_thinking = in_thinking
        self._thought = 0
        self._done = False  # the thinking ended (by itself or by the budget)
        self.reached = False
        end = self._forced.index(self._end_id) + 1 if self._end_id in self._forced else 0
        self._hidden_count = len(self._forced) - end if end else 0
        self._hidden_from = -1  # where in the reply the hidden ids sit, once forced

    def __iter__(self) -> Iterator[list[int]]:
        generated: list[int] = []
        source = self._open(self._prompt, 0)
        for block in source:
            cut = self._cut(block)
            if cut is None:
                generated.extend(block)
                yield block
                continue
            kept = block[:cut]
            generated.extend(kept)
            _close(source)
            if kept:
                yield kept
            self._hidden_from = len(generated) + len(self._forced) - self._hidden_count
            yield list(self._forced)
            generated.extend(self._forced)
            # The source cached the prompt and every kept id but the last for sure (a
            # token's cache row is written when the next one is decoded).
            cached = len(self._prompt) + max(0, len(kept) - 1)
            yield from self._open(self._prompt + generated, cached)
            return

    def shown(self, start: int, tokens: list[int]) -> list[int]:
        """`tokens`, the reply's ids from index `start` on, less the hidden forced ids."""
        begin, end = self._hidden_from, self._hidden_from + self._hidden_count
        if begin < 0 or start >= end or start + len(tokens) <= begin:
            return tokens
        return [t for i, t in enumerate(tokens, start) if not begin <= i < end]

    def _cut(self, block: Sequence[int]) -> int | None:
        """Where in `block` the budget runs out (the ids before stay), or None."""
        if self._done:
            return None
        for i, token in enumerate(block):
            if token == self._start_id and not self._in_thinking:
                self._in_thinking = True
            elif token == self._end_id:
                self._done = True
                return None
            elif self._in_thinking:
                self._thought += 1
                if self._thought >= self._budget:
                    self._done = self.reached = True
                    return i + 1
        return None


def _close(source: Iterator[list[int]]) -> None:
    close = getattr(source, "close", None)  # generators end (and free) at once
    if close is not None:
        close()
