"""The context budget of a turn: count, judge, and trim the history.

`chat/budget.py` decides; this module feeds it the engine's token counts and carries out
the user's choice of dropping the oldest turns. A turn here is one the model sees: those
history leaves out (a reply that failed with no answer, a question with no reply) are
neither counted nor numbered, and go with the turns dropped after them.
"""

from __future__ import annotations

from qwen_tui.chat.budget import Budget, BudgetVerdict, check_budget
from qwen_tui.chat.history import answered_messages
from qwen_tui.chat.messages import Conversation, Message, Role
from qwen_tui.chat.turn_plan import TurnPlan
from qwen_tui.conversation.updates import BudgetChoice
from qwen_tui.engine.base import Engine, TemplateMessages, ToolSpecs


def judge_turn(
    engine: Engine,
    conversation: Conversation,
    plan: TurnPlan,
    short_replies_ok: bool,
    tools: ToolSpecs = (),
) -> Budget:
    """The budget of `plan`, its request offering `tools` (their schemas are part of the
    prompt). A shorter reply the user already accepted counts as fitting; when the turn
    does not fit, each earlier turn and the message on its own are counted, so the verdict
    can say how many oldest turns to drop and whether a new conversation helps (only then:
    counting costs a tokenizer pass per turn)."""
    prompt_tokens = engine.count_prompt_tokens(plan.messages, plan.enable_thinking, tools)
    budget = check_budget(prompt_tokens, plan.max_new_tokens, engine.context_limit)
    if accepted(budget, short_replies_ok):
        return budget
    return check_budget(
        prompt_tokens,
        plan.max_new_tokens,
        engine.context_limit,
        turn_tokens=turn_token_counts(engine, conversation, plan.enable_thinking),
        alone_tokens=engine.count_prompt_tokens(_alone(plan), plan.enable_thinking, tools),
    )


def ways_out(budget: Budget) -> tuple[BudgetChoice, ...]:
    """The choices that can make a turn with this budget run: a shorter reply where one
    fits, dropping turns where that frees enough, a new conversation where the message
    fits on its own. None at all for a message too long by itself."""
    found: list[BudgetChoice] = []
    if budget.verdict is BudgetVerdict.FEWER_NEW_TOKENS:
        found.append(BudgetChoice.SHORTER)
    if budget.turns_to_drop:
        found.append(BudgetChoice.DROP)
    if budget.new_conversation_tokens:
        found.append(BudgetChoice.NEW)
    return tuple(found)


def accepted(budget: Budget, short_replies_ok: bool) -> bool:
    """Whether the turn can go ahead without asking the user."""
    return budget.verdict is BudgetVerdict.FITS or (
        budget.verdict is BudgetVerdict.FEWER_NEW_TOKENS and short_replies_ok
    )


def turn_token_counts(
    engine: Engine, conversation: Conversation, enable_thinking: bool
) -> list[int]:
    """Prompt tokens each earlier turn the model sees (a user message and its reply) takes,
    oldest first. Turns history leaves out (a failed reply, no reply) are not counted."""
    counts = []
    for turn in _sent_turns(conversation):
        messages = tuple({"role": str(m.role), "content": m.content} for m in turn)
        counts.append(engine.count_prompt_tokens(messages, enable_thinking))
    return counts


def drop_oldest_turns(conversation: Conversation, count: int) -> int:
    """Remove the oldest `count` turns the model sees, with any unsent turns among or before
    them, from the conversation; how many user messages went (to dim as many on screen)."""
    turns = _sent_turns(conversation)
    if count < len(turns):
        first_kept = turns[count][0]
        cut = next(i for i, m in enumerate(conversation.messages) if m is first_kept)
    else:
        cut = len(conversation.messages)
    dropped = sum(1 for m in conversation.messages[:cut] if m.role is Role.USER)
    del conversation.messages[:cut]
    return dropped


def _alone(plan: TurnPlan) -> TemplateMessages:
    """The turn's prompt in a new conversation: the system prompt, if any, and the message."""
    system = [m for m in plan.messages[:1] if m["role"] == str(Role.SYSTEM)]
    return (*system, plan.messages[-1])


def _sent_turns(conversation: Conversation) -> list[list[Message]]:
    """The messages the next turn's prompt carries, one list per turn, oldest first."""
    turns: list[list[Message]] = []
    for message in answered_messages(conversation.messages, more_follow=True):
        if message.role is Role.USER or not turns:
            turns.append([])
        turns[-1].append(message)
    return turns
