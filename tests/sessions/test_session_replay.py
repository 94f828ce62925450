"""Replay sends the original user turns through an engine into a new, linked session."""

from __future__ import annotations

import math

from qwen_tui.chat.messages import Role
from qwen_tui.config import Settings
from qwen_tui.conversation.blocking import BlockingChat
from qwen_tui.conversation.core import ConversationCore
from qwen_tui.engine.scripted.demo import DemoEngine
from qwen_tui.sessions.replay import continued_settings, replay_start, user_prompts
from tests.sessions.helpers import record, sample_conversation


def fast_demo() -> DemoEngine:
    return DemoEngine(tokens_per_s=math.inf, load_s=0.0)


def test_replay_sends_the_same_user_turns_and_links_back(store):
    original = store.load(record(store, sample_conversation()))
    settings = continued_settings(original, Settings(engine="demo"))
    engine = fast_demo()
    with store.create(
        settings, engine_name="demo", model_name=engine.model_name, replay_of=original.id
    ) as recorder:
        core = ConversationCore(
            engine,
            settings,
            replay_start(original),
            recorder_factory=lambda _settings, _engine: recorder,
        )
        chat = BlockingChat(core, decide=lambda question: None)
        chat.start()
        for prompt in user_prompts(original):
            chat.send(prompt)
        engine.close()
    replayed = store.load(recorder.session_id)
    assert replayed.replay_of == original.id
    assert replayed.id != original.id
    assert user_prompts(replayed) == user_prompts(original)
    assert replayed.conversation.system_prompt == "Be brief."
    replies = [m for m in replayed.conversation.messages if m.role is Role.ASSISTANT]
    assert len(replies) == 2 and all(r.content for r in replies)
    # The soft switches in the original turns still pick each turn's mode.
    assert [r.settings.thinking for r in replies] == [True, False]
    assert replies[0].thinking and not replies[1].thinking
    assert len(replayed.timelines[0]) >= 1
