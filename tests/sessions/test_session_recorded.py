"""A command that answers once saves its exchange: a new session, a resumed one, or none."""

from __future__ import annotations

import math

import pytest

from qwen_tui.chat.messages import FinishReason, GenerationStats
from qwen_tui.chat.turn_plan import plan_turn
from qwen_tui.config import Settings
from qwen_tui.engine.base import AnswerDelta, GenerationFinished, ThinkingDelta
from qwen_tui.engine.demo import DemoEngine
from qwen_tui.sessions import SessionLocked
from qwen_tui.sessions.recorded import RecordedConversation
from tests.sessions.helpers import record, sample_conversation

ENGINE = DemoEngine(tokens_per_s=math.inf, load_s=0)


def answer_once(recorded: RecordedConversation, prompt: str) -> None:
    """What `qwen-chat run` does around the engine, with the engine's events made up."""
    plan = plan_turn(recorded.conversation, prompt, Settings())
    recorded.begin(prompt)
    recorded.on_event(ThinkingDelta(1, "Let me see."))
    recorded.on_event(AnswerDelta(1, "Yes."))
    stats = GenerationStats(12, 5, 0.2, 30.0, 0.4)
    recorded.finish(GenerationFinished(1, FinishReason.STOP, stats, "Let me see.", "Yes."), plan)
    recorded.close()


def test_by_default_the_exchange_becomes_a_new_session(store):
    recorded = RecordedConversation.open(Settings(), ENGINE)
    answer_once(recorded, "Is water wet?")
    session = store.load(recorded.session_id)
    assert [m.content for m in session.conversation.messages] == ["Is water wet?", "Yes."]
    assert session.conversation.messages[1].thinking == "Let me see."
    assert session.engine == "demo"
    assert [c.text for c in session.timelines[0]] == ["Let me see.", "Yes."]


def test_no_save_writes_nothing(store):
    recorded = RecordedConversation.open(Settings(), ENGINE, save=False)
    answer_once(recorded, "Is water wet?")
    assert recorded.session_id is None and store.ids() == []


def test_resume_plans_against_the_history_and_appends(store):
    saved = record(store, sample_conversation())
    recorded = RecordedConversation.open(Settings(), ENGINE, resume=saved[-4:])
    assert recorded.conversation == sample_conversation()
    answer_once(recorded, "Sure?")
    session = store.load(saved)
    assert session.turns == 3 and session.conversation.last_assistant.content == "Yes."
    assert store.ids() == [saved]


def test_resume_of_a_session_in_use_is_refused(store):
    saved = record(store, sample_conversation())
    with store.open_for_append(saved), pytest.raises(SessionLocked):
        RecordedConversation.open(Settings(), ENGINE, resume=saved)
