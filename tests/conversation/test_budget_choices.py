"""The ways out the core offers when a message does not fit: only those that can work,
never the same question twice, and the conversation kept when nothing was chosen.

`ManualEngine` charges each message 10 tokens plus its characters.
"""

from __future__ import annotations

from manual_engine import ManualEngine

from qwen_tui.config import Settings
from qwen_tui.conversation.core import ConversationCore
from qwen_tui.conversation.updates import (
    BudgetChoice,
    BudgetQuestion,
    ConversationChanged,
    Notice,
    Refused,
    TurnStarted,
)

SESSIONS_STARTED: list[Settings] = []


def ready_core(engine: ManualEngine, **settings) -> ConversationCore:
    SESSIONS_STARTED.clear()
    core = ConversationCore(
        engine,
        Settings(engine="demo", **settings),
        # Records nothing; counts the sessions the conversation started.
        recorder_factory=lambda started, _engine: SESSIONS_STARTED.append(started),
    )
    core.handle(engine.ready())
    return core


def with_history(core: ConversationCore, engine: ManualEngine, question: str, answer: str):
    core.send(question)
    core.handle(engine.finished(answer))


def test_a_message_too_long_on_its_own_offers_no_new_conversation_and_names_the_message():
    engine = ManualEngine(context_limit=1_000)
    core = ready_core(engine, max_new_tokens=500)
    (question,) = core.send("x" * 1_990)  # 2,000 tokens alone, in a new conversation
    assert isinstance(question, BudgetQuestion)
    assert question.choices == ()
    assert question.budget.message == (
        "Your message is 2,000 tokens; the model takes 1,000 in all, its reply included: "
        "shorten it."
    )
    # Even a choice that was not offered (the old loop: N, same question) only gives it back.
    updates = core.answer_budget(BudgetChoice.NEW)
    assert updates == [Refused("x" * 1_990, "")]
    assert not engine.requests and core.question is None
    assert len(SESSIONS_STARTED) == 1  # no new session was started for nothing


def test_with_history_a_message_too_long_alone_is_given_back_and_the_conversation_is_kept():
    engine = ManualEngine(context_limit=2_000)
    core = ready_core(engine, max_new_tokens=1_000)
    with_history(core, engine, "a" * 100, "b" * 100)
    (question,) = core.send("c" * 1_500)  # 1,510 alone: 490 left, 1,000 asked
    assert question.choices == ()
    assert "Your message is 1,510 tokens" in question.budget.message
    updates = core.answer_budget(BudgetChoice.NEW)
    assert not any(isinstance(u, ConversationChanged) for u in updates)
    assert [m.content for m in core.conversation.messages] == ["a" * 100, "b" * 100]


def test_a_new_conversation_is_offered_when_the_message_fits_alone_and_sends_it_at_once():
    engine = ManualEngine(context_limit=2_000)
    core = ready_core(engine, max_new_tokens=1_000)
    with_history(core, engine, "a" * 600, "b" * 600)  # 1,220 tokens of history
    (question,) = core.send("c" * 300)
    assert question.choices == (BudgetChoice.DROP, BudgetChoice.NEW)
    assert question.budget.message.endswith("drop the oldest turn or start a new conversation.")
    updates = core.answer_budget(BudgetChoice.NEW)
    assert [type(u) for u in updates] == [ConversationChanged, TurnStarted]
    assert updates[0].conversation.messages == []  # as it was: the message follows apart
    assert [m["content"] for m in engine.requests[-1].messages] == ["c" * 300]
    assert engine.requests[-1].max_new_tokens == 1_000


def test_a_way_out_that_leaves_only_a_shorter_reply_sends_it_and_says_so_without_asking_again():
    engine = ManualEngine(context_limit=2_000)
    core = ready_core(engine, max_new_tokens=1_500)
    with_history(core, engine, "a" * 400, "b" * 400)  # 820 tokens of history
    (question,) = core.send("c" * 700)  # 710 alone: a new conversation leaves 1,290
    assert question.choices == (BudgetChoice.DROP, BudgetChoice.NEW)
    assert question.budget.new_conversation_tokens == 1_290
    updates = core.answer_budget(BudgetChoice.NEW)
    assert not any(isinstance(u, BudgetQuestion) for u in updates)
    assert engine.requests[-1].max_new_tokens == 1_290
    notices = [u.text for u in updates if isinstance(u, Notice)]
    assert notices == ["The reply can have at most 1,290 new tokens, all the context has room for."]


def test_a_first_message_that_needs_a_shorter_reply_offers_no_new_conversation():
    engine = ManualEngine(context_limit=2_000)
    core = ready_core(engine, max_new_tokens=1_500)
    (question,) = core.send("c" * 700)  # a new conversation would be this same one
    assert question.choices == (BudgetChoice.SHORTER,)
    assert "new conversation" not in question.budget.message


def test_a_played_back_session_refuses_what_is_typed():
    class PlaybackLike(ManualEngine):
        playback = object()  # any controls: the engine plays a recording back

    engine = PlaybackLike()
    core = ready_core(engine)
    (refused,) = core.send("hello")
    assert isinstance(refused, Refused) and "played back" in refused.reason
    assert not engine.requests and not core.pending
