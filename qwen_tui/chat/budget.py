"""The context budget: prompt tokens plus the longest reply must fit the model's limit.

A conversation that outgrows the context must give the user a clear choice (a shorter reply,
dropping the oldest turns, a new conversation), never a crash deep in the model. The caller
counts the tokens (the engine renders the template); this module only decides.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum
from itertools import accumulate

from qwen_tui.chat.model_card import DEFAULT_CONTEXT_LIMIT, NATIVE_CONTEXT

MIN_REPLY_TOKENS = 1_024
"""Fewer new tokens than this is no useful reply (thinking alone takes more)."""


class BudgetVerdict(StrEnum):
    FITS = "fits"
    FEWER_NEW_TOKENS = "fewer_new_tokens"
    TOO_LONG = "too_long"


@dataclass(frozen=True)
class Budget:
    """The verdict on one turn and what the user can do about it."""

    verdict: BudgetVerdict
    prompt_tokens: int
    limit: int
    max_new_tokens: int
    """What the turn can ask for: the request, fewer, or 0 when it does not fit."""
    turns_to_drop: int | None
    """Oldest turns to drop so the full reply fits (when it does not fit at all and that is
    impossible, so a shorter one does); 0 when it fits; None if unknown or not enough."""
    message: str
    """One line for the user; empty when the turn fits."""
    new_conversation_tokens: int = 0
    """The longest reply the message would get in a new conversation; 0 when a new
    conversation would not help (it frees nothing, or leaves no useful room either)."""
    message_too_long: bool = False
    """The message leaves no useful room for a reply even on its own: only shortening it
    helps."""
    asked_tokens: int = 0
    """The new tokens the turn asked for (when it does not fit)."""

    @property
    def fits(self) -> bool:
        """Whether the turn can run now (perhaps with fewer new tokens)."""
        return self.verdict is not BudgetVerdict.TOO_LONG


def context_limit_for(yarn_factor: float | None) -> int:
    """The context limit: 40,960 by default, 32,768 × the factor with YaRN (4.0: 131,072)."""
    if yarn_factor is None:
        return DEFAULT_CONTEXT_LIMIT
    return max(DEFAULT_CONTEXT_LIMIT, int(NATIVE_CONTEXT * yarn_factor))


def check_budget(
    prompt_tokens: int,
    max_new_tokens: int,
    limit: int,
    *,
    turn_tokens: Sequence[int] = (),
    alone_tokens: int | None = None,
    min_reply_tokens: int = MIN_REPLY_TOKENS,
) -> Budget:
    """Whether `prompt_tokens + max_new_tokens` fits `limit`, and if not, the way out.

    `turn_tokens` are the prompt tokens each earlier turn (a user message and its reply)
    takes, oldest first; with them the verdict says how many oldest turns to drop.
    `alone_tokens` is what the turn would take in a new conversation; with it the verdict
    says whether a new conversation helps, or whether the message itself is too long.
    """
    room = limit - prompt_tokens
    shortest = min(min_reply_tokens, max_new_tokens)
    if room >= max_new_tokens:
        return Budget(BudgetVerdict.FITS, prompt_tokens, limit, max_new_tokens, 0, "")
    full_drop = _turns_to_free(turn_tokens, prompt_tokens + max_new_tokens - limit)
    fresh = _new_conversation_tokens(alone_tokens, prompt_tokens, max_new_tokens, limit, shortest)
    too_long = alone_tokens is not None and limit - alone_tokens < shortest
    used = f"The conversation takes {prompt_tokens:,} of {limit:,} tokens"
    if room >= shortest:
        ways = ["reply with fewer tokens", *_drop_phrase(full_drop), *_new_phrase(fresh)]
        message = f"{used}, leaving {room:,} for the reply ({max_new_tokens:,} asked): "
        message += _either(ways) + "."
        verdict = BudgetVerdict.FEWER_NEW_TOKENS
        return Budget(
            verdict, prompt_tokens, limit, room, full_drop, message, fresh, too_long, max_new_tokens
        )
    drop = full_drop
    if drop is None:
        drop = _turns_to_free(turn_tokens, prompt_tokens + shortest - limit)
    if too_long:
        assert alone_tokens is not None
        message = (
            f"Your message is {alone_tokens:,} tokens; the model takes {limit:,} in all, "
            "its reply included: shorten it."
        )
        return Budget(
            BudgetVerdict.TOO_LONG, prompt_tokens, limit, 0, None, message, 0, True, max_new_tokens
        )
    ways = [*_drop_phrase(drop), *_new_phrase(fresh)]
    if not ways:  # the message's own size is unknown
        alone = "your message alone is too long; shorten it"
        ways = [alone if turn_tokens else "start a new conversation or shorten your message"]
    message = f"{used}, leaving no room for a reply: {_either(ways)}."
    return Budget(
        BudgetVerdict.TOO_LONG, prompt_tokens, limit, 0, drop, message, fresh, False, max_new_tokens
    )


def _new_conversation_tokens(
    alone_tokens: int | None, prompt_tokens: int, max_new_tokens: int, limit: int, shortest: int
) -> int:
    """The reply a new conversation leaves room for, if it frees anything and enough."""
    if alone_tokens is None or alone_tokens >= prompt_tokens:
        return 0
    room = min(limit - alone_tokens, max_new_tokens)
    return room if room >= shortest else 0


def _turns_to_free(turn_tokens: Sequence[int], needed: int) -> int | None:
    """The fewest oldest turns whose tokens add up to `needed`; None if all are not enough."""
    if needed <= 0:
        return 0
    for count, freed in enumerate(accumulate(turn_tokens), start=1):
        if freed >= needed:
            return count
    return None


def _drop_phrase(turns: int | None) -> list[str]:
    if not turns:
        return []
    noun = "turn" if turns == 1 else f"{turns} turns"
    return [f"drop the oldest {noun}"]


def _new_phrase(new_conversation_tokens: int) -> list[str]:
    return ["start a new conversation"] if new_conversation_tokens else []


def _either(ways: list[str]) -> str:
    """ "a", "a or b", "a, b, or c"."""
    if len(ways) <= 2:
        return " or ".join(ways)
    return ", ".join(ways[:-1]) + ", or " + ways[-1]
