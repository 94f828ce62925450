"""History for the chat template: the answer of each past turn, never its thinking."""

from __future__ import annotations

from qwen_tui.chat.history import template_messages
from qwen_tui.chat.messages import Conversation


def conversation_with_thinking() -> Conversation:
    conversation = Conversation(system_prompt="You are terse.")
    conversation.add_user("2+2? /no_think")
    conversation.add_assistant("4", thinking="")
    conversation.add_user("Why?")
    conversation.add_assistant("Because 2 and 2 make 4.", thinking="SECRET chain of thought")
    return conversation


def test_system_prompt_first_then_turns_in_order():
    messages = template_messages(conversation_with_thinking(), "Thanks")
    assert [m["role"] for m in messages] == [
        "system",
        "user",
        "assistant",
        "user",
        "assistant",
        "user",
    ]
    assert messages[0]["content"] == "You are terse."
    assert messages[-1] == {"role": "user", "content": "Thanks"}


def test_assistant_turns_carry_the_answer_only():
    messages = template_messages(conversation_with_thinking())
    assert messages[-1] == {"role": "assistant", "content": "Because 2 and 2 make 4."}
    assert all("SECRET" not in m["content"] for m in messages)
    assert all(set(m) == {"role", "content"} for m in messages)


def test_soft_switches_stay_in_the_text_the_model_sees():
    messages = template_messages(conversation_with_thinking(), "More /think")
    assert messages[1]["content"] == "2+2? /no_think"
    assert messages[-1]["content"] == "More /think"


def test_no_system_message_without_a_system_prompt():
    conversation = Conversation()
    conversation.add_user("Hi")
    assert template_messages(conversation) == ({"role": "user", "content": "Hi"},)


def test_without_a_pending_message_nothing_is_added():
    assert len(template_messages(conversation_with_thinking())) == 5
