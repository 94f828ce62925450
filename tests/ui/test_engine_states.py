"""Loading, failing and full engines: the app keeps running and tells the user what to do."""

from __future__ import annotations

import threading

from ui_harness import (
    RecordingEngine,
    assistant_turns,
    enter,
    make_app,
    ready,
    sample_conversation,
    send,
    until_idle,
    wait_for,
)

from qwen_tui.chat.messages import Conversation, FinishReason
from qwen_tui.config import Settings
from qwen_tui.engine.base import EngineFailure, GenerationRequest
from qwen_tui.engine.events import EngineReady, ErrorKind, EventSink
from qwen_tui.ui.screens.budget_screen import BudgetScreen
from qwen_tui.ui.widgets.load_bar import LoadBar
from qwen_tui.ui.widgets.prompt_input import PromptInput
from qwen_tui.ui.widgets.status_bar import StatusBar


def _notices(app) -> list[str]:
    return [n.message for n in app._notifications]


async def test_progress_bar_while_loading_and_a_prompt_typed_meanwhile_is_sent_when_ready():
    engine = RecordingEngine(load_s=1.0)
    app = make_app(engine)
    async with app.run_test() as pilot:
        load_bar = app.chat_screen.query_one(LoadBar)
        await wait_for(pilot, lambda: "Loading" in str(load_bar.query_one("Label").render()))
        assert load_bar.display and "loading" in app.chat_screen.query_one(StatusBar).state
        await send(pilot, "hello while loading")
        assert not engine.requests and any("Queued" in n for n in _notices(app))
        await ready(pilot)
        await until_idle(pilot)
        assert engine.requests[0].messages[-1]["content"] == "hello while loading"
        assert not load_bar.display
        assert app.chat_screen.query_one(StatusBar).state == "ready"


async def test_queued_prompts_run_one_after_another():
    engine = RecordingEngine()
    app = make_app(engine, queued_prompts=("first", "second"))
    async with app.run_test() as pilot:
        await wait_for(pilot, lambda: len(engine.requests) == 2, what="both prompts")
        await until_idle(pilot)
        assert [r.messages[-1]["content"] for r in engine.requests] == ["first", "second"]
        assert [m["content"] for m in engine.requests[1].messages if m["role"] == "user"] == [
            "first",
            "second",
        ]


class FailingEngine(RecordingEngine):
    """Runs out of memory on the first request, then works."""

    def _generate(self, request: GenerationRequest, sink: EventSink, cancelled: threading.Event):
        if not self.requests:
            self.requests.append(request)
            raise EngineFailure(
                "CUDA out of memory: lower --max-new-tokens", ErrorKind.OUT_OF_MEMORY
            )
        return super()._generate(request, sink, cancelled)


async def test_an_engine_error_is_a_notice_and_the_next_message_still_works():
    engine = FailingEngine()
    app = make_app(engine)
    async with app.run_test() as pilot:
        await ready(pilot)
        await send(pilot, "first")
        await until_idle(pilot)
        # The toast is a message the app handles after the turn's end: wait for it.
        await wait_for(
            pilot,
            lambda: any("out of memory" in n for n in _notices(app)),
            what="the out-of-memory notice",
        )
        assert app.core.conversation.messages[-1].finish_reason is FinishReason.ERROR
        assert "failed" in str(assistant_turns(app)[0].query_one(".turn-note").render())
        await send(pilot, "second")
        await until_idle(pilot)
        assert assistant_turns(app)[-1].answer.text


class BrokenEngine(RecordingEngine):
    def _load(self, sink: EventSink) -> EngineReady:
        raise FileNotFoundError("no model in /models/qwen; pass --model DIR")


async def test_a_model_that_fails_to_load_is_reported_and_sending_is_refused_clearly():
    app = make_app(BrokenEngine())
    async with app.run_test() as pilot:
        driver = app.core
        await wait_for(pilot, lambda: driver.state == "failed", what="failure")
        assert any("no model in /models/qwen" in n for n in _notices(app))
        prompt = app.chat_screen.query_one(PromptInput)
        prompt.text = "hello"
        await pilot.press("enter")
        assert prompt.text == "hello"  # kept, not lost
        assert any("nothing can be sent" in n for n in _notices(app))
        assert app.is_running


class TinyContextEngine(RecordingEngine):
    context_limit = 1_300


LONG_HELLO = " ".join(["hello"] * 60)  # leaves fewer than 1,250 tokens for the reply


async def test_outgrown_context_offers_a_choice_and_dropping_turns_sends_less_history():
    engine = TinyContextEngine()
    settings = Settings(engine="demo", max_new_tokens=1_200)
    app = make_app(engine, settings=settings, conversation=sample_conversation())
    async with app.run_test() as pilot:
        await ready(pilot)
        await enter(pilot, "Another question about strings " * 8)
        await wait_for(pilot, lambda: isinstance(app.screen, BudgetScreen), what="dialog")
        assert "tokens" in str(app.screen.budget.message)
        await pilot.press("d")
        await until_idle(pilot)
        users = [m["content"] for m in engine.requests[-1].messages if m["role"] == "user"]
        assert "How do I reverse a string in Python?" not in users
        assert users[-1].startswith("Another question")


def _after_a_failed_long_question() -> Conversation:
    """A 200-word question whose reply failed (never sent again), then a sent exchange."""
    conversation = Conversation()
    conversation.add_user("word " * 200)
    conversation.add_assistant("", finish_reason=FinishReason.ERROR)
    conversation.add_user("alpha " * 60)
    conversation.add_assistant("beta " * 60)
    return conversation


async def test_dropping_turns_counts_only_turns_the_model_sees_so_one_drop_is_enough():
    engine = TinyContextEngine()
    settings = Settings(engine="demo", max_new_tokens=1_200)
    app = make_app(engine, settings=settings, conversation=_after_a_failed_long_question())
    async with app.run_test() as pilot:
        await ready(pilot)
        await enter(pilot, "new question")
        await wait_for(pilot, lambda: isinstance(app.screen, BudgetScreen), what="dialog")
        assert "drop the oldest turn," in app.screen.budget.message
        await pilot.press("d")
        await pilot.pause()
        assert not isinstance(app.screen, BudgetScreen)  # not asked a second time
        await until_idle(pilot)
        assert [m["content"] for m in engine.requests[-1].messages] == ["new question"]
        assert engine.requests[-1].max_new_tokens == 1_200  # the full reply fits now
        turns = app.chat_screen.query("UserTurn, AssistantTurn")
        assert [t.has_class("-dropped") for t in turns] == [True] * 4 + [False] * 2


async def test_outgrown_context_can_be_answered_with_a_shorter_reply():
    engine = TinyContextEngine()
    settings = Settings(engine="demo", max_new_tokens=1_250)
    app = make_app(engine, settings=settings)
    async with app.run_test() as pilot:
        await ready(pilot)
        await enter(pilot, LONG_HELLO)
        await wait_for(pilot, lambda: isinstance(app.screen, BudgetScreen), what="dialog")
        await pilot.press("s")
        await until_idle(pilot)
        prompt = engine.count_prompt_tokens(engine.requests[-1].messages, True)
        assert engine.requests[-1].max_new_tokens == TinyContextEngine.context_limit - prompt


async def test_cancelling_the_budget_dialog_gives_the_message_back():
    engine = TinyContextEngine()
    app = make_app(engine, settings=Settings(engine="demo", max_new_tokens=1_250))
    async with app.run_test() as pilot:
        await ready(pilot)
        await enter(pilot, LONG_HELLO)
        await wait_for(pilot, lambda: isinstance(app.screen, BudgetScreen), what="dialog")
        labels = [str(button.label) for button in app.screen.query("Button")]
        assert labels[-1] == "Cancel [Esc]" and labels[0].endswith("[S]")  # keys shown
        await pilot.press("escape")
        await pilot.pause()
        assert not engine.requests
        assert app.chat_screen.query_one(PromptInput).text == LONG_HELLO
