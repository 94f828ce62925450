"""What a command does with a turn that does not fit the context, worded for flags.

The verdict is the conversation core's, the same as the chat UI's: the turn fits, fits
with a shorter reply, or leaves no useful room. Only the way out differs: a command takes
the shorter reply with a warning, or refuses in one line naming the flags that help,
where the UI asks in a dialog.
"""

from __future__ import annotations

from collections.abc import Callable

from qwen_tui.chat.budget import MIN_REPLY_TOKENS, Budget, BudgetVerdict, context_limit_for
from qwen_tui.conversation.blocking import BudgetPolicy
from qwen_tui.conversation.updates import BudgetChoice, BudgetQuestion

YARN_FACTORS = (2.0, 4.0)
"""The factors to suggest; Qwen3 is validated up to 4.0 (131,072 tokens)."""


def command_line_budget(
    max_new_tokens: int, *, resumed: bool, warn: Callable[[str], None]
) -> BudgetPolicy:
    """Take a shorter reply when that is all the context holds (saying so with `warn`);
    refuse a turn that leaves no useful room (see `refusal`)."""

    def decide(question: BudgetQuestion) -> BudgetChoice | None:
        budget = question.budget
        if budget.verdict is not BudgetVerdict.FEWER_NEW_TOKENS:
            return None
        warn(
            f"{_used(budget, resumed)}, so the reply stops after {budget.max_new_tokens:,} "
            f"new tokens (--max-new-tokens is {max_new_tokens:,})"
        )
        return BudgetChoice.SHORTER

    return decide


def refusal(question: BudgetQuestion, max_new_tokens: int, *, resumed: bool) -> str:
    """The one-line error for a turn refused for its length, with the ways out."""
    budget = question.budget
    ways = _ways_out(budget.prompt_tokens, budget.limit, max_new_tokens, resumed)
    return f"{_used(budget, resumed)}, leaving no room for a reply: {ways}"


def _used(budget: Budget, resumed: bool) -> str:
    what = "the session's history and the prompt take" if resumed else "the prompt takes"
    return f"{what} {budget.prompt_tokens:,} of the {budget.limit:,} tokens the context holds"


def _ways_out(prompt_tokens: int, limit: int, max_new_tokens: int, resumed: bool) -> str:
    """What the user can change: the prompt, the context (YaRN), or the reply's length."""
    ways = ["shorten the prompt" + (" or leave out --resume" if resumed else "")]
    needed = prompt_tokens + min(MIN_REPLY_TOKENS, max_new_tokens)
    factor = next((f for f in YARN_FACTORS if context_limit_for(f) >= max(needed, limit + 1)), None)
    if factor is not None:
        longer = context_limit_for(factor)
        ways.append(f"pass --yarn-factor {factor:g} for a {longer:,}-token context")
    room = limit - prompt_tokens
    if room >= 1:  # only the reply's length overflows
        ways.append(f"pass --max-new-tokens {room} or fewer")
    return ways[0] if len(ways) == 1 else ", ".join(ways[:-1]) + ", or " + ways[-1]
