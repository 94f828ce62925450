"""The thinking splitter for token ids: the `<think>` and `</think>` tags are single ids,
so the split needs no text matching; each part is detokenized incrementally, never emitting
half a multi-byte character. The rules are `splitter.py`'s.
"""

from __future__ import annotations

from collections.abc import Sequence

from qwen_tui.chat.detokenizer import Decode, IncrementalDecoder
from qwen_tui.chat.parts import TextDelta
from qwen_tui.chat.splitter import Phase, SplitterBase


class TokenThinkingSplitter(SplitterBase):
    """Splits streamed token ids on the tag ids, detokenizing each part incrementally."""

    def __init__(
        self,
        think_start_id: int,
        think_end_id: int,
        decode: Decode,
        *,
        starts_in_thinking: bool = False,
    ) -> None:
        super().__init__(starts_in_thinking)
        self._start_id = think_start_id
        self._end_id = think_end_id
        self._decode = decode
        self._decoder = IncrementalDecoder(decode)
        self._leading_ids: list[int] = []  # whitespace tokens before a possible `<think>`

    def feed(self, token_ids: Sequence[int]) -> list[TextDelta]:
        """Take the next ids; return the deltas they complete."""
        self._check_open()
        run: list[int] = []
        for token_id in token_ids:
            if token_id in (self._start_id, self._end_id):
                self._push(run)
                run = []
                self._on_tag(token_id)
            elif self._phase is Phase.START:
                self._on_leading(token_id)
            else:
                run.append(token_id)
        self._push(run)
        return self._collect()

    def finish(self) -> list[TextDelta]:
        """The reply ended: flush any held bytes and close both parts."""
        if self._finished:
            return []
        if self._phase is Phase.START:
            self._leave_start()
            self._push(self._leading_ids)
        self._emit(self._decoder.flush())
        return self._end()

    def _push(self, ids: list[int]) -> None:
        if ids:
            self._emit(self._decoder.push(ids))

    def _on_leading(self, token_id: int) -> None:
        self._leading_ids.append(token_id)
        if self._decode(self._leading_ids).strip():
            self._leave_start()
            self._push(self._leading_ids)

    def _on_tag(self, token_id: int) -> None:
        if self._phase is Phase.START:
            # Either tag shows that the whitespace held so far is thinking.
            self._open_thinking()
            self._push(self._leading_ids)
            if token_id == self._start_id:
                return
        if token_id == self._end_id and self._watching_for_close():
            self._emit(self._decoder.flush())
            self._decoder = IncrementalDecoder(self._decode)
            self._close_thinking()
