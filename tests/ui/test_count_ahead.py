"""A message typed or pasted is counted against the context while the user pauses, off the
UI thread, as the prompt it will go out in: Enter then finds it counted."""

from __future__ import annotations

import threading

from ui_harness import RecordingEngine, make_app, ready, until_idle, wait_for

from qwen_tui.ui import count_ahead
from qwen_tui.ui.widgets.prompt_input import PromptInput


class CountingEngine(RecordingEngine):
    """Notes each count: on which thread, of which prompt."""

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self.counts: list[tuple[bool, tuple, bool]] = []  # (off the UI thread, messages, mode)

    def count_prompt_tokens(self, messages, enable_thinking, tools=None) -> int:
        off_ui = threading.current_thread() is not threading.main_thread()
        self.counts.append((off_ui, tuple(messages), enable_thinking))
        return super().count_prompt_tokens(messages, enable_thinking, tools)


def counted_ahead(engine: CountingEngine) -> list[tuple]:
    return [(messages, mode) for off_ui, messages, mode in engine.counts if off_ui]


async def test_a_pasted_prompt_is_counted_before_enter_as_it_goes_out():
    engine = CountingEngine()
    app = make_app(engine)
    async with app.run_test() as pilot:
        await ready(pilot)
        prompt = app.chat_screen.query_one(PromptInput)
        prompt.focus()
        prompt.insert("A long pasted text. " * 200)  # as a paste puts it in
        await pilot.press(*" Sum it up?")
        typed = ("A long pasted text. " * 200 + " Sum it up?").strip()
        await wait_for(
            pilot,
            lambda: any(messages[-1]["content"] == typed for messages, _ in counted_ahead(engine)),
            what="the whole draft counted ahead",
        )
        ahead = counted_ahead(engine)[-1]
        assert ahead[0][-1]["content"] == typed
        before_enter = len(engine.counts)
        await pilot.press("enter")
        await until_idle(pilot)
        request = engine.requests[-1]
        assert (tuple(request.messages), request.enable_thinking) == ahead
        on_enter = [(m, mode) for _, m, mode in engine.counts[before_enter:]]
        assert on_enter[0] == ahead  # the budget's count is of the same prompt: a cache hit


async def test_nothing_is_counted_ahead_for_commands_nor_while_a_reply_streams():
    engine = CountingEngine(tokens_per_s=50)
    app = make_app(engine)
    async with app.run_test() as pilot:
        await ready(pilot)
        await pilot.press(*"/help")
        await pilot.pause(count_ahead.PAUSE_S * 3)
        assert counted_ahead(engine) == []
        await pilot.press("escape")
        prompt = app.chat_screen.query_one(PromptInput)
        prompt.text = "Tell me a story"
        await pilot.press("enter")
        await wait_for(pilot, lambda: app.core.busy, what="the reply")
        counted = len(counted_ahead(engine))
        prompt.insert("next question")  # typed while the reply streams
        await pilot.pause(count_ahead.PAUSE_S * 3)
        assert app.core.busy and len(counted_ahead(engine)) == counted
        await until_idle(pilot, timeout=60)  # then the draft is counted, with the reply
        await wait_for(
            pilot,
            lambda: counted_ahead(engine)[-1][0][-1]["content"] == "next question",
            what="the draft counted",
        )
        messages, _ = counted_ahead(engine)[-1]
        assert [m["role"] for m in messages] == ["user", "assistant", "user"]
