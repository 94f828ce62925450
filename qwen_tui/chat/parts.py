"""The two parts of a Qwen3 reply, and a streamed piece of one.

`TextDelta` is the one shape streamed text has everywhere: the thinking splitter makes
it, engines send it as their event (with the request's id), the UI's bridge merges runs
of it, sessions time it for playback, and the playback engine sends it again.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Part(StrEnum):
    """Which part of a reply a piece of text belongs to."""

    THINKING = "thinking"
    ANSWER = "answer"


@dataclass(frozen=True)
class TextDelta:
    """A new, never empty, piece of a reply's thinking or answer.

    `request_id` names the request it answers (0 until an engine labels it); `tokens` is
    how many generated tokens it completes, so a merged run of deltas still counts them.
    """

    part: Part
    text: str
    request_id: int = 0
    tokens: int = 1

    def merged(self, later: TextDelta) -> TextDelta:
        """This delta followed by `later` (same part and request) as one."""
        return TextDelta(
            self.part, self.text + later.text, self.request_id, self.tokens + later.tokens
        )
