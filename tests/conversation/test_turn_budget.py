"""The context budget as the chat applies it: the turns it offers to drop are the turns
the model sees, and dropping that many makes the turn fit."""

from __future__ import annotations

from qwen_tui.chat.budget import BudgetVerdict
from qwen_tui.chat.messages import Conversation, FinishReason
from qwen_tui.chat.turn_plan import plan_turn
from qwen_tui.config import Settings
from qwen_tui.conversation.budget import drop_oldest_turns, judge_turn
from tests.recording_engine import RecordingEngine


class SmallContextEngine(RecordingEngine):
    context_limit = 1_040


def _with_a_failed_turn_in_the_middle() -> Conversation:
    conversation = Conversation()
    conversation.add_user("first " * 50)
    conversation.add_assistant("one " * 50)
    conversation.add_user("failed " * 300)  # its reply failed: the model never sees it
    conversation.add_assistant("", finish_reason=FinishReason.ERROR)
    conversation.add_user("second " * 50)
    conversation.add_assistant("two " * 50)
    conversation.add_user("third")
    conversation.add_assistant("three")
    return conversation


def _judge(engine: RecordingEngine, conversation: Conversation):
    plan = plan_turn(conversation, "next", Settings(engine="demo", max_new_tokens=1_000))
    return judge_turn(engine, conversation, plan, short_replies_ok=False)


def test_dropping_the_turns_the_budget_names_makes_the_turn_fit_despite_a_failed_turn():
    engine = SmallContextEngine()
    conversation = _with_a_failed_turn_in_the_middle()
    budget = _judge(engine, conversation)
    assert budget.verdict is BudgetVerdict.TOO_LONG
    assert budget.turns_to_drop == 2 and "drop the oldest 2 turns" in budget.message
    shown = drop_oldest_turns(conversation, budget.turns_to_drop)
    assert _judge(engine, conversation).verdict is BudgetVerdict.FITS
    assert [m.content for m in conversation.messages] == ["third", "three"]
    assert shown == 3  # the failed question went too, as it sat between them: dim 3 on screen
