"""Whether `qwen-chat run`'s prompt fits the context, checked before anything is saved.

The verdict is the chat UI's (`chat/budget.py`): the turn fits, fits with a shorter
reply, or leaves no useful room. Only the way out is worded for the command line, where
the user changes flags instead of dropping turns in a dialog.
"""

from __future__ import annotations

from dataclasses import replace

from qwen_tui.chat.budget import (
    MIN_REPLY_TOKENS,
    BudgetVerdict,
    check_budget,
    context_limit_for,
)
from qwen_tui.chat.turn_plan import TurnPlan
from qwen_tui.commands.session_helpers import fail
from qwen_tui.engine.base import Engine, EngineFailure

YARN_FACTORS = (2.0, 4.0)
"""The factors to suggest; Qwen3 is validated up to 4.0 (131,072 tokens)."""


def fit_prompt(engine: Engine, plan: TurnPlan, *, resumed: bool) -> tuple[TurnPlan, str | None]:
    """`plan` as it can run (fewer new tokens if that is all the context holds) and a
    warning when it was cut; exits with a one-line error if no useful reply fits."""
    try:
        prompt_tokens = engine.count_prompt_tokens(plan.messages, plan.enable_thinking)
    except EngineFailure as exc:
        raise fail(str(exc)) from None
    limit = engine.context_limit
    budget = check_budget(prompt_tokens, plan.max_new_tokens, limit)
    what = "the session's history and the prompt take" if resumed else "the prompt takes"
    used = f"{what} {prompt_tokens:,} of the {limit:,} tokens the context holds"
    if budget.verdict is BudgetVerdict.FITS:
        return plan, None
    if budget.verdict is BudgetVerdict.FEWER_NEW_TOKENS:
        warning = (
            f"{used}, so the reply stops after {budget.max_new_tokens:,} new tokens "
            f"(--max-new-tokens is {plan.max_new_tokens:,})"
        )
        return replace(plan, max_new_tokens=budget.max_new_tokens), warning
    ways = _ways_out(prompt_tokens, limit, plan.max_new_tokens, resumed)
    raise fail(f"{used}, leaving no room for a reply: {ways}")


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
