"""Regenerating in the conversation core, step by step: the same message runs again with
the settings in use now, the earlier reply is kept and can be shown again, what does not
fit is refused, and the session is told each step."""

from __future__ import annotations

from dataclasses import replace

from manual_engine import ManualEngine

from qwen_tui.chat.messages import FinishReason, Role
from qwen_tui.config import Settings
from qwen_tui.conversation.budget import drop_oldest_turns
from qwen_tui.conversation.core import ConversationCore
from qwen_tui.conversation.regenerating import DROPPED, AskAgain, ShowReply
from qwen_tui.conversation.updates import Notice, ReplyShown, TurnStarted


class RecorderSpy:
    """Keeps, in order, what a session recorder was told."""

    def __init__(self, _settings: Settings) -> None:
        self.lines: list[tuple] = []

    def record_user(self, message) -> None:
        self.lines.append(("user", message.content))

    def record_assistant(self, message, timeline=()) -> None:
        self.lines.append(("assistant", message.content))

    def record_regenerate(self) -> None:
        self.lines.append(("regenerate",))

    def record_reply_shown(self, turns_back: int, position: int) -> None:
        self.lines.append(("reply_shown", turns_back, position))

    def close(self) -> None:
        pass


def core_with(engine: ManualEngine, *, queued=(), **settings) -> tuple[ConversationCore, list]:
    opened: list[RecorderSpy] = []

    def factory(settings: Settings, engine: object) -> RecorderSpy:
        opened.append(RecorderSpy(settings))
        return opened[-1]

    core = ConversationCore(
        engine, Settings(engine="demo", **settings), recorder_factory=factory, queued=queued
    )
    core.handle(engine.ready())
    return core, opened


def test_the_same_message_runs_again_with_a_new_seed_and_the_earlier_reply_is_kept():
    engine = ManualEngine()
    core, [session] = core_with(engine, seed=42)
    core.send("Hi")
    core.handle(engine.finished("first"))
    core.toggle_thinking()  # the settings in use now
    updates = core.regenerate()
    assert [type(u) for u in updates] == [TurnStarted, ReplyShown]
    assert updates[0].turn.again and updates[1] == ReplyShown(0, 2, 2)
    first, again = engine.requests
    assert again.messages == first.messages and not again.enable_thinking
    assert (first.seed, again.seed) == (42, 43)
    core.handle(engine.finished("second"))
    user, shown = core.conversation.messages
    assert shown.content == "second" and user.other_replies[0][0].content == "first"
    assert session.lines == [
        ("user", "Hi"),
        ("assistant", "first"),
        ("regenerate",),
        ("assistant", "second"),
    ]
    (flipped,) = core.show_reply(0, -1)
    assert (flipped.number, flipped.count) == (1, 2)
    assert [m.content for m in flipped.messages] == ["first"]
    assert core.conversation.messages[1].content == "first"
    assert session.lines[-1] == ("reply_shown", 0, 0)


def test_a_failed_reply_can_be_regenerated_and_then_counts_as_history():
    engine = ManualEngine()
    core, _ = core_with(engine)
    core.send("Hi")
    core.handle(engine.finished("", reason=FinishReason.ERROR))
    core.regenerate()
    core.handle(engine.finished("better"))
    core.send("More")
    sent = [m["content"] for m in engine.requests[-1].messages]
    assert sent == ["Hi", "better", "More"]


def test_a_regeneration_gets_the_room_left_and_one_that_no_longer_fits_is_refused():
    engine = ManualEngine(context_limit=4_000)
    core, [session] = core_with(engine, max_new_tokens=2_000)
    core.send("Hi")
    core.handle(engine.finished("fine"))
    core.settings = replace(core.settings, max_new_tokens=3_995)
    (notice, *_) = core.regenerate()
    assert (
        notice.text == "The reply can have at most 3,988 new tokens, all the context has room for."
    )
    assert engine.requests[-1].max_new_tokens == 3_988
    core.handle(engine.finished("shorter"))
    core.conversation.system_prompt = "x" * 3_995  # no room left at all now
    (refusal,) = core.regenerate()
    prompt_tokens = 10 + 3_995 + 10 + len("Hi")  # ManualEngine's count: system and message
    assert refusal.text.startswith(f"Not regenerated: Your message is {prompt_tokens:,} tokens")
    assert [m.content for m in core.conversation.messages] == ["Hi", "shorter"]
    assert len(core.conversation.messages[0].other_replies) == 1 and len(engine.requests) == 2
    assert session.lines.count(("regenerate",)) == 1


def test_a_reply_whose_turn_left_the_context_cannot_be_switched():
    engine = ManualEngine()
    core, _ = core_with(engine)
    for text in ("one", "two"):
        core.send(text)
        core.handle(engine.finished(f"re {text}"))
    core.send("three")
    core.handle(engine.finished("re three"))
    drop_oldest_turns(core.conversation, 1)
    (notice,) = core.show_reply(2, 1)
    assert isinstance(notice, Notice) and notice.text == DROPPED


def test_queued_regenerations_and_choices_play_in_order_as_qwen_chat_play_sends_them():
    engine = ManualEngine()
    core, _ = core_with(engine, queued=("Hi", AskAgain(), ShowReply(0, 0), "Bye"))
    core.handle(engine.finished("first"))
    assert len(engine.requests) == 2 and engine.requests[1].messages == engine.requests[0].messages
    updates = core.handle(engine.finished("second"))
    shown = [u for u in updates if isinstance(u, ReplyShown)]
    assert [(u.number, u.count) for u in shown] == [(1, 2)]
    assert [m["content"] for m in engine.requests[2].messages] == ["Hi", "first", "Bye"]
    assert [m.role for m in core.conversation.messages] == [Role.USER, Role.ASSISTANT, Role.USER]
