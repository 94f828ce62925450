"""What session search reads and asks: the passages of a session file, and the words of a
search turned into an SQLite FTS5 query.

A passage is one question, answer or piece of thinking (or a title given by a rename).
Its text is kept as it will be shown: control characters as visible marks and every run
of white space as one space, so a snippet cut from it is one safe line and the markers
the index puts around a hit (`HIT_START`, `HIT_END`, both control characters) can never
be confused with the session's own text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path

from qwen_tui.chat.messages import Role
from qwen_tui.chat.terminal_text import visible_controls
from qwen_tui.sessions.loader import SessionReading
from qwen_tui.sessions.session import UNTITLED, title_from

HIT_START = "\x02"
HIT_END = "\x03"
_WORD = re.compile(r"\w+")


class PassageKind(StrEnum):
    """Where in a session a passage comes from."""

    TITLE = "title"
    QUESTION = "question"
    ANSWER = "answer"
    THINKING = "thinking"


@dataclass(frozen=True)
class Passage:
    kind: PassageKind
    turn: int
    """The question it belongs to, counted from 1 (0 for a title)."""
    text: str


@dataclass
class SessionText:
    """What search knows of one session file."""

    title: str
    passages: list[Passage] = field(default_factory=list)


class SearchQueryError(ValueError):
    """The search text has nothing to search for; the message says what to type."""


def shown_text(text: str) -> str:
    """`text` as a passage keeps it: control characters as marks, on one line."""
    return " ".join(visible_controls(text).split())


def read_session_text(path: Path) -> SessionText:
    """Every passage of the session in `path`, read as the loader reads it; raises what
    `SessionReading` raises for a file that is no readable session."""
    passages: list[Passage] = []
    turn = 0
    with SessionReading(path) as reading:
        for message, _ in reading:
            if message.role is Role.USER:
                turn += 1
                passages.append(Passage(PassageKind.QUESTION, turn, message.content))
            else:
                passages.append(Passage(PassageKind.ANSWER, turn, message.content))
                passages.append(Passage(PassageKind.THINKING, turn, message.thinking))
        renamed = reading.session.renamed_to  # known once every line is read
    first = next((p.text for p in passages if p.kind is PassageKind.QUESTION), None)
    title = renamed or (UNTITLED if first is None else title_from(first))
    if renamed:
        passages.append(Passage(PassageKind.TITLE, 0, renamed))
    kept = [Passage(p.kind, p.turn, shown_text(p.text)) for p in passages]
    return SessionText(shown_text(title), [p for p in kept if p.text])


def match_expression(text: str) -> str:
    """The FTS5 query for `text`: every word must be in the passage, each as the start of
    a word there ("rev" finds "reverse"). Each word is quoted, so nothing the user types
    is read as FTS5 syntax. Raises SearchQueryError when `text` holds no word."""
    words = _WORD.findall(text)
    if not words:
        raise SearchQueryError(
            f"nothing to search for in {text!r}; give at least one word (letters or digits)"
        )
    return " ".join(f'"{word}"*' for word in words)


def snippet_parts(snippet: str) -> list[tuple[str, bool]]:
    """`snippet` (as the index cuts it) as pieces of text, each with whether it is a hit."""
    parts: list[tuple[str, bool]] = []
    for index, piece in enumerate(snippet.split(HIT_START)):
        hit, _, after = piece.partition(HIT_END) if index else ("", "", piece)
        parts += [(text, is_hit) for text, is_hit in ((hit, True), (after, False)) if text]
    return parts
