"""Soft switches over multi-turn conversations: the latest instruction wins."""

from __future__ import annotations

import pytest

from qwen_tui.chat.messages import Conversation, Message, Role
from qwen_tui.chat.switches import soft_switch, thinking_mode


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("How many r's in strawberries? /no_think", False),
        ("/think Prove it.", True),
        ("Just chatting.", None),
        ("/think first, then /no_think", False),
        ("/no_think first, then /think", True),
        ("Line one\n/no_think\nLine two", False),
        ("Think it over /think.", True),
        ("Is /thinking a switch?", None),
        ("see docs/think and a/no_think", None),
        ("/no_thinker", None),
    ],
)
def test_soft_switch_in_one_message(text, expected):
    assert soft_switch(text) is expected


def user(text: str) -> dict[str, str]:
    return {"role": "user", "content": text}


def assistant(text: str) -> dict[str, str]:
    return {"role": "assistant", "content": text}


def test_thinking_is_the_default():
    assert thinking_mode([user("Hi")], enable_thinking=True)


def test_a_switch_lasts_until_the_next_one():
    talk = [user("Quick one /no_think"), assistant("Sure."), user("And another?")]
    assert not thinking_mode(talk, enable_thinking=True)
    talk += [assistant("Yes."), user("Now prove it carefully /think")]
    assert thinking_mode(talk, enable_thinking=True)
    talk += [assistant("Proof."), user("Thanks")]
    assert thinking_mode(talk, enable_thinking=True)


def test_system_message_switch_counts_until_a_user_overrides_it():
    talk = [{"role": "system", "content": "Be brief. /no_think"}, user("Hi")]
    assert not thinking_mode(talk, enable_thinking=True)
    talk += [assistant("Hello."), user("Solve x^2=4 /think")]
    assert thinking_mode(talk, enable_thinking=True)


def test_assistant_text_never_switches():
    talk = [user("What does /no_think do?"), assistant("Type /think to turn it on."), user("ok")]
    assert not thinking_mode(talk, enable_thinking=True)


def test_hard_switch_off_overrides_every_soft_switch():
    talk = [{"role": "system", "content": "/think"}, user("Please /think hard")]
    assert not thinking_mode(talk, enable_thinking=False)


def test_conversation_messages_work_like_template_dicts():
    conversation = Conversation()
    conversation.add_user("Short answers please /no_think")
    conversation.add_assistant("OK.", thinking="")
    pending = Message(Role.USER, "Capital of Peru?")
    assert not thinking_mode([*conversation.messages, pending], enable_thinking=True)
