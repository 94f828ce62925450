"""One local reply's tokens turned into the deltas the conversation shows.

The reply is split into thinking and answer on the `<think>` token ids and detokenized
incrementally, so a character split across tokens never shows half-made. Tokens come in
blocks (a graph replay's worth on the fast path), and each block is one round of deltas, so
the engine thread needs the GIL once a block, not once a token. Stop ids never show, nor
the text a thinking budget inserted that the model did not write (`BudgetedTokens`).
"""

from __future__ import annotations

from collections.abc import Collection, Sequence

from qwen_tui.chat.parts import TextDelta
from qwen_tui.chat.token_splitter import TokenThinkingSplitter
from qwen_tui.engine.events import EventSink
from qwen_tui.engine.prompting import ChatTokenizer
from qwen_tui.engine.thinking_budget import BudgetedTokens


class ReplyStream:
    """Feeds a reply's token blocks to a splitter and sends its deltas to `sink`."""

    def __init__(
        self,
        tokenizer: ChatTokenizer,
        rendered: Sequence[int],
        prefill: Sequence[int],
        stop_ids: Collection[int],
        sink: EventSink,
        request_id: int,
    ) -> None:
        self.splitter = TokenThinkingSplitter(
            tokenizer.think_start_id,
            tokenizer.think_end_id,
            tokenizer.decode,
            starts_in_thinking=_ends_inside_think(rendered, tokenizer),
        )
        self.splitter.feed(list(prefill))  # shown already: only what follows streams
        self.in_thinking = not self.splitter.thinking_finished
        self.budgeted: BudgetedTokens | None = None
        """The reply's token source when a thinking budget applies: it decides which
        tokens show."""
        self._stop_ids = stop_ids
        self._sink = sink
        self._request_id = request_id
        self._held = 0  # tokens fed whose text the splitter still holds back
        self._received = 0

    def tokens(self, tokens: list[int]) -> None:
        """One block of new tokens (the decode loop's `on_tokens`)."""
        start, self._received = self._received, self._received + len(tokens)
        if self.budgeted is not None:
            tokens = self.budgeted.shown(start, tokens)
        shown = [token for token in tokens if token not in self._stop_ids]
        if not shown:
            return
        self._held += len(shown)
        deltas = self.splitter.feed(shown)
        if deltas:
            self._send(deltas)

    def finish(self) -> None:
        """The reply ended: what the splitter held back goes out."""
        self._send(self.splitter.finish())

    def _send(self, deltas: list[TextDelta]) -> None:
        """The deltas `_held` tokens completed; the first one carries their count."""
        tokens, self._held = self._held, 0
        for delta in deltas:
            self._sink(TextDelta(delta.part, delta.text, self._request_id, tokens))
            tokens = 0


def _ends_inside_think(prompt: Sequence[int], tokenizer: ChatTokenizer) -> bool:
    """True when the template opened a think block the model is to continue (some Qwen3
    variants end the prompt with `<think>\\n`)."""
    ids = list(prompt)
    if tokenizer.think_start_id not in ids:
        return False
    tail = ids[len(ids) - ids[::-1].index(tokenizer.think_start_id) :]
    return tokenizer.think_end_id not in tail and not tokenizer.decode(tail).strip()
