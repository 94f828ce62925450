"""A reply continued with /continue is one reply in its session file: the record of the
whole reply replaces the cut-off one before it when the file is read."""

from __future__ import annotations

from dataclasses import replace

from qwen_tui.chat.messages import FinishReason, Role
from qwen_tui.sessions.export import to_markdown
from tests.sessions.helpers import record, sample_conversation


def cut_then_continued():
    conversation = sample_conversation()
    whole = conversation.messages[1]
    cut = replace(whole, content="**4", finish_reason=FinishReason.CANCELLED)
    conversation.messages[1:2] = [cut, replace(whole, continued=True)]
    return conversation, whole


def test_a_continued_reply_loads_as_one_reply_with_one_timeline(store):
    conversation, whole = cut_then_continued()
    session = store.load(record(store, conversation))
    messages = session.conversation.messages
    assert [m.role for m in messages] == [Role.USER, Role.ASSISTANT] * 2
    assert messages[1].content == "**42**" and messages[1].finish_reason is FinishReason.STOP
    assert messages[1].continued and len(session.timelines) == 2
    assert session.turns == 2


def test_export_shows_the_continued_reply_once(store):
    conversation, _ = cut_then_continued()
    text = to_markdown(store.load(record(store, conversation)))
    assert text.count("**42**") == 1 and "**4\n" not in text
