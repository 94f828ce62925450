"""The conversation core on its own, step by step: the queue, stopping a reply, the
budget, the settings and what is recorded. No UI, no engine thread."""

from __future__ import annotations

import pytest
from manual_engine import ManualEngine

from qwen_tui.chat.messages import FinishReason, Role
from qwen_tui.config import Settings
from qwen_tui.conversation.core import ConversationCore, EngineState
from qwen_tui.conversation.updates import (
    BudgetChoice,
    BudgetQuestion,
    ConversationChanged,
    Loading,
    Notice,
    NotSaved,
    Queued,
    QueueWait,
    Ready,
    Refused,
    Severity,
    TextStreamed,
    TurnEnded,
    TurnsDropped,
    TurnStarted,
)
from qwen_tui.engine.events import EngineError, LoadProgress


class RecorderSpy:
    """Stands in for a session recorder: keeps what it was told, and with which settings
    its session was started."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.users: list[str] = []
        self.replies: list = []
        self.timelines: list = []
        self.closed = False

    def record_user(self, message) -> None:
        self.users.append(message.content)

    def record_assistant(self, message, timeline=()) -> None:
        self.replies.append(message)
        self.timelines.append(list(timeline))

    def close(self) -> None:
        self.closed = True


class Sessions:
    """A recorder factory that keeps every recorder it gave out."""

    def __init__(self) -> None:
        self.opened: list[RecorderSpy] = []

    def __call__(self, settings: Settings, _engine: object) -> RecorderSpy:
        self.opened.append(RecorderSpy(settings))
        return self.opened[-1]


def kinds(updates) -> list[type]:
    return [type(u) for u in updates]


@pytest.fixture
def sessions() -> Sessions:
    return Sessions()


def ready_core(engine: ManualEngine, sessions: Sessions, **settings) -> ConversationCore:
    core = ConversationCore(engine, Settings(engine="demo", **settings), recorder_factory=sessions)
    core.handle(engine.ready())
    return core


def test_prompts_sent_while_loading_wait_and_go_out_in_order_once_ready(sessions):
    engine = ManualEngine()
    core = ConversationCore(engine, Settings(engine="demo"), recorder_factory=sessions)
    assert kinds(core.handle(LoadProgress(1, 4))) == [Loading]
    first = core.send("one")
    second = core.send("two")
    assert first == [Queued("one", 1, QueueWait.MODEL)]
    assert second == [Queued("two", 2, QueueWait.MODEL)]
    assert engine.requests == []
    updates = core.handle(engine.ready())
    assert kinds(updates) == [Ready, TurnStarted]
    assert [r.messages[-1]["content"] for r in engine.requests] == ["one"]
    core.handle(engine.finished("1"))
    assert [r.messages[-1]["content"] for r in engine.requests] == ["one", "two"]
    assert engine.requests[1].messages[1] == {"role": "assistant", "content": "1"}


def test_a_prompt_sent_while_a_reply_streams_waits_behind_it(sessions):
    engine = ManualEngine()
    core = ready_core(engine, sessions)
    core.send("one")
    assert core.send("two") == [Queued("two", 1, QueueWait.REPLY)]
    assert len(engine.requests) == 1


def test_streamed_text_is_kept_once_and_the_finished_reply_is_recorded_with_its_timeline(
    sessions,
):
    engine = ManualEngine()
    core = ready_core(engine, sessions)
    core.send("Why?")
    streamed = core.handle(engine.thinking("Let me ")) + core.handle(engine.thinking("see."))
    assert kinds(streamed) == [TextStreamed, TextStreamed]
    core.handle(engine.answer("Because."))
    (ended,) = [
        u
        for u in core.handle(engine.finished("Because.", "Let me see."))
        if isinstance(u, TurnEnded)
    ]
    assert (ended.message.content, ended.message.thinking) == ("Because.", "Let me see.")
    recorder = sessions.opened[-1]
    assert recorder.users == ["Why?"] and recorder.replies == [ended.message]
    texts = [(c.part, c.text) for c in recorder.timelines[-1]]
    assert texts == [("thinking", "Let me see."), ("answer", "Because.")]


def test_stop_ends_the_turn_at_once_with_what_streamed_and_the_next_prompt_waits_for_the_engine(
    sessions,
):
    engine = ManualEngine()
    core = ready_core(engine, sessions)
    core.send("one")
    core.handle(engine.thinking("Hmm"))
    core.handle(engine.answer("Half an ans"))
    core.send("two")  # queued behind the reply
    (ended,) = core.cancel()
    assert isinstance(ended, TurnEnded) and engine.cancels == 1
    assert ended.message.finish_reason is FinishReason.CANCELLED
    assert (ended.message.content, ended.message.thinking) == ("Half an ans", "Hmm")
    assert sessions.opened[-1].replies[-1] is ended.message
    # The engine had not stopped yet: more text of the stopped turn is not shown, and the
    # engine is asked again; "two" waits until the engine reports the stopped turn's end.
    assert core.handle(engine.answer("swer")) == [] and engine.cancels == 2
    assert len(engine.requests) == 1 and core.busy
    updates = core.handle(engine.finished("Half an answer", reason=FinishReason.CANCELLED))
    assert kinds(updates) == [TurnStarted]
    assert engine.requests[-1].messages[-1]["content"] == "two"
    assert core.conversation.messages[1].content == "Half an ans"  # as it was shown


def test_a_turn_that_does_not_fit_asks_and_a_refusal_gives_the_text_back_saving_nothing(sessions):
    engine = ManualEngine(context_limit=1_000)
    core = ready_core(engine, sessions, max_new_tokens=2_000)
    (question,) = core.send("x" * 900)
    assert isinstance(question, BudgetQuestion) and core.busy
    # Not "behind the current reply": no reply runs, the question is what it waits for.
    assert core.send("later") == [Queued("later", 1, QueueWait.QUESTION)]
    updates = core.answer_budget(None)
    assert updates[0] == Refused("x" * 900, "")
    assert sessions.opened[-1].users == [] and core.conversation.messages == []


def test_choosing_a_shorter_reply_sends_it_with_the_room_left_and_keeps_that_choice(sessions):
    engine = ManualEngine(context_limit=2_000)
    core = ready_core(engine, sessions, max_new_tokens=1_500)
    (question,) = core.send("x" * 900)  # 910 tokens: 1,090 left, 1,500 asked
    assert question.budget.verdict == "fewer_new_tokens"
    assert kinds(core.answer_budget(BudgetChoice.SHORTER)) == [TurnStarted]
    assert engine.requests[-1].max_new_tokens == 1_090
    core.handle(engine.finished("ok"))
    assert kinds(core.send("y" * 10)) == [TurnStarted]  # shorter again: no second question


def test_dropping_the_oldest_turns_sends_the_message_without_them(sessions):
    engine = ManualEngine(context_limit=1_300)
    core = ready_core(engine, sessions, max_new_tokens=1_000)
    core.send("a" * 100)
    core.handle(engine.finished("b" * 100))
    (question,) = core.send("c" * 150)
    assert question.budget.turns_to_drop == 1
    updates = core.answer_budget(BudgetChoice.DROP)
    assert kinds(updates) == [TurnsDropped, Notice, TurnStarted]
    assert [m["content"] for m in engine.requests[-1].messages] == ["c" * 150]


def test_a_new_conversation_stops_the_reply_saves_it_and_starts_a_session_with_the_settings_in_use(
    sessions,
):
    engine = ManualEngine()
    core = ready_core(engine, sessions)
    core.toggle_thinking()  # Ctrl+T before Ctrl+N
    core.send("one")
    core.handle(engine.answer("partial"))
    updates = core.new_conversation()
    assert kinds(updates) == [TurnEnded, ConversationChanged]
    first, second = sessions.opened
    assert first.closed and first.replies[-1].finish_reason is FinishReason.CANCELLED
    assert second.settings.thinking is False  # the session records what is in use now
    assert core.conversation.messages == []


def test_a_failed_load_refuses_what_is_sent_and_says_why(sessions):
    engine = ManualEngine()
    core = ConversationCore(engine, Settings(engine="demo"), recorder_factory=sessions)
    updates = core.handle(EngineError("no model in /models; pass --model DIR"))
    assert core.state is EngineState.FAILED
    assert any(isinstance(u, Notice) and u.severity is Severity.ERROR for u in updates)
    (refused,) = core.send("hello")
    assert isinstance(refused, Refused) and refused.text == "hello"
    assert "no model in /models" in refused.reason and "--engine demo" in refused.reason


def test_an_engine_error_mid_turn_is_a_notice_and_the_turn_ends_as_failed(sessions):
    engine = ManualEngine()
    core = ready_core(engine, sessions)
    core.send("one")
    notice = core.handle(EngineError("CUDA out of memory", request_id=1))
    assert notice == [Notice("CUDA out of memory", Severity.ERROR, "Engine error")]
    (ended,) = core.handle(engine.finished("", reason=FinishReason.ERROR))
    assert ended.message.finish_reason is FinishReason.ERROR
    assert [m.role for m in core.conversation.messages] == [Role.USER, Role.ASSISTANT]


class BrokenRecorder(RecorderSpy):
    def record_user(self, message) -> None:
        raise OSError("No space left on device")


def test_a_session_that_cannot_be_written_is_one_notice_and_the_chat_goes_on():
    engine = ManualEngine()
    core = ConversationCore(
        engine, Settings(engine="demo"), recorder_factory=lambda s, _engine: BrokenRecorder(s)
    )
    core.handle(engine.ready())
    updates = core.send("one")
    assert NotSaved("No space left on device") in updates
    assert TurnStarted in kinds(updates) and core.recorder is None  # the reply goes ahead
    assert kinds(core.handle(engine.finished("fine"))) == [TurnEnded]


def test_a_reply_keeps_how_many_tokens_its_thinking_took_finished_or_stopped(sessions):
    engine = ManualEngine()
    core = ready_core(engine, sessions)
    core.send("one")
    for word in ("Let ", "me ", "see."):
        core.handle(engine.thinking(word))
    core.handle(engine.finished("Because.", "Let me see."))
    core.send("two")
    core.handle(engine.thinking("Hmm"))
    core.cancel()
    first, stopped = sessions.opened[-1].replies
    assert (first.thinking_tokens, stopped.thinking_tokens) == (3, 1)


def test_a_draft_is_counted_ahead_only_when_it_would_go_out_now():
    engine = ManualEngine()
    counted = []
    count_tokens = engine.count_prompt_tokens

    def counting(messages, mode, tools=None):
        counted.append(messages)
        return count_tokens(messages, mode, tools)

    engine.count_prompt_tokens = counting
    core = ConversationCore(engine, Settings(engine="demo"))
    assert core.count_ahead("hello") is None  # the model still loads
    core.handle(engine.ready())
    assert core.count_ahead("   ") is None  # nothing typed
    count = core.count_ahead("  hello  ")
    assert count is not None and not counted  # counting is the caller's, off its thread
    count()
    core.send("hello")
    ahead, on_send = counted
    assert ahead == on_send == engine.requests[-1].messages  # the prompt that went out
    assert core.count_ahead("next") is None  # a reply runs
    core.handle(engine.finished("Hi."))
    assert core.count_ahead("next") is not None
