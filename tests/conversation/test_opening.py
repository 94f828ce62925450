"""Where a one-shot command's exchange is saved: a new session, a resumed one, or none;
and a saved session continued is read once, under its lock."""

from __future__ import annotations

import math

import pytest

from qwen_tui.config import Settings
from qwen_tui.conversation.blocking import BlockingChat
from qwen_tui.conversation.core import ConversationCore
from qwen_tui.conversation.opening import open_for_command, open_saved
from qwen_tui.sessions import SessionLocked, SessionStore
from tests.recording_engine import RecordingEngine
from tests.sessions.helpers import record, sample_conversation


@pytest.fixture
def store() -> SessionStore:
    return SessionStore()


def answer_once(settings: Settings, prompt: str, **how) -> str | None:
    """What `qwen-chat run` does: open, send one prompt, close."""
    engine = RecordingEngine(tokens_per_s=math.inf)
    opened = open_for_command(settings, engine, **how)
    core = ConversationCore(
        engine,
        opened.settings,
        opened.conversation,
        recorder_factory=lambda _settings, _engine: opened.recorder,
    )
    chat = BlockingChat(core, decide=lambda question: None)
    chat.start()
    chat.send(prompt)
    engine.close()
    core.close()
    return opened.recorder.session_id if opened.recorder else None


def test_by_default_the_exchange_becomes_a_new_session(store):
    session_id = answer_once(Settings(engine="demo"), "Is water wet?")
    session = store.load(session_id)
    user, reply = session.conversation.messages
    assert user.content == "Is water wet?" and reply.content and reply.thinking
    assert session.engine == "demo"
    assert "".join(c.text for c in session.timelines[0] if c.part == "answer") == reply.content


def test_no_save_writes_nothing(store):
    assert answer_once(Settings(engine="demo"), "Is water wet?", save=False) is None
    assert store.ids() == []


def test_resume_plans_against_the_history_and_appends_after_a_resume_mark(store):
    saved = record(store, sample_conversation())
    answer_once(Settings(engine="demo"), "Sure?", resume=saved[-4:])
    session = store.load(saved)
    assert session.turns == 3 and session.conversation.messages[-2].content == "Sure?"
    assert store.ids() == [saved]
    lines = session.path.read_text().splitlines()
    assert '"type":"resume"' in lines[-3]


def test_resume_of_a_session_in_use_is_refused(store):
    saved = record(store, sample_conversation())
    with store.open_for_append(saved), pytest.raises(SessionLocked):
        open_for_command(Settings(engine="demo"), RecordingEngine(), resume=saved)


def test_a_continued_session_is_read_once_under_the_lock(store, monkeypatch):
    saved = record(store, sample_conversation())
    reads = []
    original = SessionStore.load
    monkeypatch.setattr(SessionStore, "load", lambda self, i: reads.append(i) or original(self, i))
    continued = open_saved(store, saved, Settings(engine="demo"))
    continued.recorder.close()
    assert reads == [saved] and continued.conversation == sample_conversation()
