"""Turns that got no reply (the engine failed, or the process died mid-reply) stay in the
conversation but never reach the model as history."""

from __future__ import annotations

from qwen_tui.chat.history import template_messages
from qwen_tui.chat.messages import Conversation, FinishReason
from qwen_tui.chat.turn_plan import plan_turn
from qwen_tui.config import Settings


def _failed_exchange() -> Conversation:
    conversation = Conversation()
    conversation.add_user("First question")
    conversation.add_assistant("First answer")
    conversation.add_user("This one failed /no_think")
    conversation.add_assistant("", finish_reason=FinishReason.ERROR)
    return conversation


def test_a_failed_reply_and_its_question_are_left_out_of_the_history():
    messages = template_messages(_failed_exchange(), "Next question")
    assert [m["content"] for m in messages] == ["First question", "First answer", "Next question"]


def test_a_failed_turn_s_soft_switch_does_not_change_the_next_turns_mode():
    plan = plan_turn(_failed_exchange(), "Next question", Settings())
    assert plan.thinking  # the /no_think never reached the model


def test_a_question_left_without_a_reply_by_a_crash_is_left_out_before_the_next_one():
    conversation = Conversation()
    conversation.add_user("Killed mid-reply")
    conversation.add_user("Asked after resuming")
    conversation.add_assistant("An answer")
    messages = template_messages(conversation, "And now?")
    assert [m["content"] for m in messages] == ["Asked after resuming", "An answer", "And now?"]
    # ...and when it is the last message, before the pending one.
    conversation.add_user("Killed again")
    assert [m["content"] for m in template_messages(conversation, "Again?")][-2:] == [
        "An answer",
        "Again?",
    ]


def test_the_question_whose_reply_is_streaming_still_counts_in_the_context():
    conversation = Conversation()
    conversation.add_user("Being answered now")
    assert [m["content"] for m in template_messages(conversation)] == ["Being answered now"]


def test_cancelled_and_partly_failed_replies_stay_in_the_history():
    conversation = Conversation()
    conversation.add_user("Stopped")
    conversation.add_assistant("Partial", finish_reason=FinishReason.CANCELLED)
    conversation.add_user("Broke halfway")
    conversation.add_assistant("Half an answer", finish_reason=FinishReason.ERROR)
    contents = [m["content"] for m in template_messages(conversation, "Go on")]
    assert contents == ["Stopped", "Partial", "Broke halfway", "Half an answer", "Go on"]
