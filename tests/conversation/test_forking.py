"""An edited message sent as a fork, in the conversation core: what the engine is asked,
what the new session file holds, what stays of the original, and when an edit is refused.
No UI, no engine thread."""

from __future__ import annotations

from manual_engine import ManualEngine

from qwen_tui.chat.fork_origin import ForkOrigin
from qwen_tui.chat.messages import Conversation, Role
from qwen_tui.config import Settings
from qwen_tui.conversation import forking
from qwen_tui.conversation.core import ConversationCore
from qwen_tui.conversation.opening import new_sessions, open_saved
from qwen_tui.conversation.updates import (
    ConversationChanged,
    Notice,
    Queued,
    Refused,
    TurnStarted,
)
from qwen_tui.engine.events import EngineError
from qwen_tui.sessions import SessionStore


def saving_core(engine: ManualEngine, store: SessionStore) -> ConversationCore:
    core = ConversationCore(engine, Settings(engine="demo"), recorder_factory=new_sessions(store))
    core.handle(engine.ready())
    return core


def chat(core: ConversationCore, engine: ManualEngine, *exchanges: tuple[str, str]) -> None:
    for question, answer in exchanges:
        core.send(question)
        core.handle(engine.finished(answer, "some thinking"))


def contents(messages) -> list[str]:
    return [m["content"] if isinstance(m, dict) else m.content for m in messages]


def test_an_edit_goes_on_in_a_new_session_from_the_history_before_it():
    engine, store = ManualEngine(), SessionStore()
    core = saving_core(engine, store)
    chat(core, engine, ("one", "reply one"), ("two", "reply two"), ("three", "reply three"))
    original = core.recorder.session_id
    original_bytes = store.path_for(original).read_bytes()

    updates = core.edit_and_fork(2, "two, edited")
    assert [type(u) for u in updates] == [ConversationChanged, TurnStarted]
    assert updates[0].conversation.forked_from == ForkOrigin(original, 2)
    assert contents(engine.requests[-1].messages) == ["one", "reply one", "two, edited"]
    core.handle(engine.finished("reply two, edited"))
    fork = core.recorder.session_id
    core.close()

    assert store.path_for(original).read_bytes() == original_bytes
    assert contents(store.load(original).conversation.messages) == [
        "one",
        "reply one",
        "two",
        "reply two",
        "three",
        "reply three",
    ]
    saved = store.load(fork)
    assert saved.forked_from == ForkOrigin(original, 2)
    assert contents(saved.conversation.messages) == [
        "one",
        "reply one",
        "two, edited",
        "reply two, edited",
    ]
    # The copied reply keeps its thinking and figures, as the original has them.
    copied = saved.conversation.messages[1]
    assert copied.thinking == "some thinking" and copied.stats is not None


def test_a_resumed_fork_goes_on_in_its_own_file_with_its_mark():
    engine, store = ManualEngine(), SessionStore()
    core = saving_core(engine, store)
    chat(core, engine, ("one", "reply one"))
    original = core.recorder.session_id
    core.edit_and_fork(1, "uno")
    core.handle(engine.finished("respuesta"))
    fork = core.recorder.session_id
    core.close()

    continued = open_saved(store, fork, Settings(engine="demo"))
    core = saving_core(engine, store)
    core.continue_session(continued.resumed_by(engine))
    assert core.conversation.forked_from == ForkOrigin(original, 1)
    chat(core, engine, ("dos", "respuesta dos"))
    assert contents(engine.requests[-1].messages) == ["uno", "respuesta", "dos"]
    core.close()
    saved = store.load(fork)
    assert saved.forked_from == ForkOrigin(original, 1)
    assert contents(saved.conversation.user_messages) == ["uno", "dos"]


def test_a_fork_of_an_unsaved_conversation_says_so():
    engine = ManualEngine()
    core = ConversationCore(engine, Settings(engine="demo"))
    core.handle(engine.ready())
    chat(core, engine, ("one", "reply one"))
    core.edit_and_fork(1, "uno")
    origin = core.conversation.forked_from
    assert origin == ForkOrigin(None, 1)
    assert origin.describe() == "⑂ Forked from an unsaved conversation at message 1"


def test_an_edit_is_refused_while_a_reply_is_under_way_and_the_text_comes_back():
    engine, store = ManualEngine(), SessionStore()
    core = saving_core(engine, store)
    chat(core, engine, ("one", "reply one"))
    core.send("two")  # streaming now
    session = core.recorder.session_id
    notice, refused = core.edit_and_fork(1, "uno")
    assert isinstance(notice, Notice) and notice.text == forking.BUSY
    assert isinstance(refused, Refused) and refused.text == "uno"
    assert core.recorder.session_id == session and core.conversation.forked_from is None
    assert contents(engine.requests[-1].messages) == ["one", "reply one", "two"]


def test_an_edit_is_refused_while_messages_wait_and_after_a_failed_load():
    engine, store = ManualEngine(), SessionStore()
    conversation = Conversation()
    conversation.add_user("one")
    conversation.add_assistant("reply one")
    core = ConversationCore(
        engine, Settings(engine="demo"), conversation, recorder_factory=new_sessions(store)
    )
    (queued,) = core.send("two")  # the model still loads
    assert isinstance(queued, Queued)
    assert forking.why_not(core, 1) == forking.QUEUED
    core.handle(EngineError("no model in /models"))
    assert forking.why_not(core, 1) == forking.FAILED


def test_message_numbers_count_what_the_chat_shows_after_the_oldest_turns_were_dropped():
    # Shown: three questions, the first dropped from the context (and from memory).
    conversation = Conversation()
    for question in ("two", "three"):
        conversation.add_user(question)
        conversation.add_assistant(f"reply {question}")
    fork = forking.fork_at(conversation, 3, "250314-0930-k3f9", dropped=1)
    assert fork.forked_from == ForkOrigin("250314-0930-k3f9", 3)
    assert contents(fork.messages) == ["two", "reply two"]
    assert [m.role for m in conversation.messages] == [Role.USER, Role.ASSISTANT] * 2

    engine = ManualEngine()
    core = ConversationCore(engine, Settings(engine="demo"), conversation)
    core.handle(engine.ready())
    assert forking.why_not(core, 1, dropped=1) == forking.DROPPED.format(number=1)
    assert forking.why_not(core, 4, dropped=1) == forking.NO_SUCH.format(number=4)
    assert forking.why_not(core, 3, dropped=1) == ""
