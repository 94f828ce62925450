"""The session records of regenerated replies, and what reading them in order gathers.

Two event types, which readers before them skip as unknown::

    {"type": "regenerate", "at": ...}
        the last user message is answered again: its reply so far becomes one of its
        other replies, and the reply records that follow make the new one, shown.
    {"type": "reply_shown", "at": ..., "turns_back": 0, "reply": 2}
        the user message `turns_back` user messages before the last one shows its
        reply number `reply` (from 1, in the order they were made).

A `regenerate` counts once a reply record follows it: one that a crash left last changes
nothing. A `reply_shown` naming a reply the session does not have (a file edited by hand)
is ignored; one whose fields are not counts is damage, as any malformed event is.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from qwen_tui.chat.alternatives import ReplyPlace, set_aside_last_reply, show_reply, user_index
from qwen_tui.chat.messages import Conversation
from qwen_tui.sessions.lines import Record
from qwen_tui.sessions.records import now_stamp

REGENERATE_TYPE = "regenerate"
REPLY_SHOWN_TYPE = "reply_shown"


def regenerate_record() -> Record:
    """The last user message is answered again (Ctrl+R, `/retry`)."""
    return {"type": REGENERATE_TYPE, "at": now_stamp()}


def reply_shown_record(turns_back: int, position: int) -> Record:
    """The user message `turns_back` before the last shows its reply at `position` (from 0)."""
    return {
        "type": REPLY_SHOWN_TYPE,
        "at": now_stamp(),
        "turns_back": turns_back,
        "reply": position + 1,
    }


@dataclass(frozen=True)
class _Shown:
    turns_back: int
    position: int


_AGAIN = "again"


@dataclass
class ReplyChoices:
    """How many replies each user message got and which one is shown, as a session's
    records say; each turn is a user message's index, from 0. A reader that keeps the
    conversation applies the changes read so far with `apply` before each message."""

    counts: dict[int, int] = field(default_factory=dict)
    """Replies made, for the user messages with more than one."""
    shown: dict[int, int] = field(default_factory=dict)
    """The place of the shown reply (from 0), for the user messages with more than one."""
    users: int = 0
    _again: bool = False
    _changes: list[_Shown | str] = field(default_factory=list)

    def read(self, kind: str, record: dict[str, Any]) -> None:
        """Note an event of type `kind`; TypeError or ValueError for a malformed one of
        the two types above."""
        if kind == "user":
            self.users += 1
            self._again = False
        elif kind in ("assistant", "tool") and self._again:
            self._again = False
            turn = self.users - 1
            self.counts[turn] = self.counts.get(turn, 1) + 1
            self.shown[turn] = self.counts[turn] - 1
            self._changes.append(_AGAIN)
        elif kind == REGENERATE_TYPE:
            self._again = self.users > 0
        elif kind == REPLY_SHOWN_TYPE:
            turns_back, number = _count(record, "turns_back", 0), _count(record, "reply", 1)
            turn = self.users - 1 - turns_back
            if turn >= 0 and number <= self.counts.get(turn, 1):
                self.shown[turn] = number - 1
                self._changes.append(_Shown(turns_back, number - 1))

    def place(self) -> tuple[int, int]:
        """The user message being read (its index) and the number of its reply being read
        (from 1)."""
        turn = self.users - 1
        return turn, self.counts.get(turn, 1)

    def place_of(self, reading: ReplyChoices) -> ReplyPlace | None:
        """Where the reply that `reading` (of the same file, still being read) is at sits
        among its user message's replies, as this reading of the whole file found them;
        None when that user message has only one."""
        turn, number = reading.place()
        count = self.counts.get(turn, 1)
        return None if count == 1 else ReplyPlace(number, count, self.shown.get(turn) == number - 1)

    def apply(self, conversation: Conversation) -> None:
        """Make the regenerations and choices read since the last call in `conversation`,
        which holds every message read before them."""
        changes, self._changes = self._changes, []
        for change in changes:
            if isinstance(change, _Shown):
                index = user_index(conversation, change.turns_back)
                try:
                    if index is not None:
                        show_reply(conversation, index, change.position)
                except ValueError:
                    continue  # a file edited by hand: the choice names no reply there
            else:
                set_aside_last_reply(conversation)


def _count(record: dict[str, Any], key: str, least: int) -> int:
    value = record[key]
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"'{key}' must be a whole number")
    if value < least:
        raise ValueError(f"'{key}' must be at least {least}")
    return value
