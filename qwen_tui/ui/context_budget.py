"""The context budget as the chat screen applies it: count, judge, and trim the history.

`chat/budget.py` decides; this module feeds it the engine's token counts and carries out
the user's choice of dropping the oldest turns.
"""

from __future__ import annotations

from qwen_tui.chat.budget import Budget, BudgetVerdict, check_budget
from qwen_tui.chat.messages import Conversation, Role
from qwen_tui.chat.turn_plan import TurnPlan
from qwen_tui.engine.base import Engine


def judge_turn(
    engine: Engine, conversation: Conversation, plan: TurnPlan, short_replies_ok: bool
) -> Budget:
    """The budget of `plan`. A shorter reply the user already accepted counts as fitting;
    when the turn does not fit, each earlier turn is counted so the verdict can say how
    many oldest turns to drop (only then: counting costs a tokenizer pass per turn)."""
    prompt_tokens = engine.count_prompt_tokens(plan.messages, plan.enable_thinking)
    budget = check_budget(prompt_tokens, plan.max_new_tokens, engine.context_limit)
    if accepted(budget, short_replies_ok):
        return budget
    turns = turn_token_counts(engine, conversation, plan.enable_thinking)
    return check_budget(prompt_tokens, plan.max_new_tokens, engine.context_limit, turn_tokens=turns)


def accepted(budget: Budget, short_replies_ok: bool) -> bool:
    """Whether the turn can go ahead without asking the user."""
    return budget.verdict is BudgetVerdict.FITS or (
        budget.verdict is BudgetVerdict.FEWER_NEW_TOKENS and short_replies_ok
    )


def turn_token_counts(
    engine: Engine, conversation: Conversation, enable_thinking: bool
) -> list[int]:
    """Prompt tokens each earlier turn (a user message and its reply) takes, oldest first."""
    turns: list[list[dict[str, str]]] = []
    for message in conversation.messages:
        if message.role is Role.USER or not turns:
            turns.append([])
        turns[-1].append({"role": str(message.role), "content": message.content})
    return [engine.count_prompt_tokens(tuple(turn), enable_thinking) for turn in turns]


def drop_oldest_turns(conversation: Conversation, count: int) -> None:
    """Remove the oldest `count` turns from what the model will see."""
    users = [i for i, m in enumerate(conversation.messages) if m.role is Role.USER]
    cut = users[count] if count < len(users) else len(conversation.messages)
    del conversation.messages[:cut]
