"""Helpers for session tests: a sample conversation and a way to record it."""

from __future__ import annotations

from qwen_tui.chat.messages import (
    Conversation,
    FinishReason,
    GenerationStats,
    Message,
    Role,
    TurnSettings,
)
from qwen_tui.chat.parts import Part
from qwen_tui.chat.sampling import NON_THINKING_PRESET, THINKING_PRESET
from qwen_tui.config import Settings
from qwen_tui.sessions import SessionStore
from qwen_tui.sessions.timeline import TimelineBuilder


def sample_conversation() -> Conversation:
    """Two exchanges: one with thinking (including non-ASCII text), one without."""
    conversation = Conversation(system_prompt="Be brief.")
    conversation.add_user("What is 6 × 7? /think")
    conversation.add_assistant(
        "**42**",
        "Six sevens: 7+7=14, ×3 = 42. 好.",
        settings=TurnSettings(True, True, THINKING_PRESET, 512),
        stats=GenerationStats(21, 30, 0.25, 48.5, 0.87),
    )
    conversation.add_user("And in words? /no_think")
    conversation.add_assistant(
        "Forty-two.",
        "",
        settings=TurnSettings(True, False, NON_THINKING_PRESET, 512),
        finish_reason=FinishReason.LENGTH,
        stats=GenerationStats(40, 5, 0.1, 50.0, 0.2),
    )
    return conversation


def record(store: SessionStore, conversation: Conversation, **create_args) -> str:
    """Save `conversation` as the UI would, streaming each reply in two deltas per part."""
    args = {"engine_name": "demo", "model_name": "demo-model"} | create_args
    settings = Settings(system_prompt=conversation.system_prompt)
    with store.create(settings, **args) as recorder:
        for message in conversation.messages:
            if message.role is Role.USER:
                recorder.record_user(message)
                continue
            timeline = TimelineBuilder()
            timeline.start()
            for part, text in ((Part.THINKING, message.thinking), (Part.ANSWER, message.content)):
                half = len(text) // 2
                timeline.add(part, text[:half])
                timeline.add(part, text[half:])
            recorder.record_assistant(message, timeline.take())
        return recorder.session_id


def assistant(answer: str, thinking: str = "") -> Message:
    return Message(Role.ASSISTANT, answer, thinking, finish_reason=FinishReason.STOP)
