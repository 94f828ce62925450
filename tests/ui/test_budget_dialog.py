"""The dialog shown when a message does not fit the context: it offers only what can
work, never comes back after a choice, and Esc leaves the message in the input."""

from __future__ import annotations

from ui_harness import RecordingEngine, enter, make_app, ready, until_idle, wait_for

from qwen_tui.chat.messages import Conversation
from qwen_tui.config import Settings
from qwen_tui.ui.screens.budget_screen import BudgetScreen
from qwen_tui.ui.widgets.prompt_input import PromptInput
from qwen_tui.ui.widgets.user_turn import UserTurn


class TinyContextEngine(RecordingEngine):
    context_limit = 1_300


SETTINGS = Settings(engine="demo", max_new_tokens=1_000)
TOO_LONG = " ".join(["hello"] * 400)  # about 400 tokens: fewer than 1,000 left on its own
SHORT = " ".join(["hello"] * 100)


def _buttons(app) -> list[str]:
    return [str(button.label) for button in app.screen.query("Button")]


def _history() -> Conversation:
    conversation = Conversation()
    conversation.add_user("alpha " * 300)
    conversation.add_assistant("beta " * 300)
    return conversation


async def test_a_first_message_too_long_on_its_own_only_goes_back_to_the_input():
    engine = TinyContextEngine()
    app = make_app(engine, settings=SETTINGS)
    async with app.run_test() as pilot:
        await ready(pilot)
        await enter(pilot, TOO_LONG)
        await wait_for(pilot, lambda: isinstance(app.screen, BudgetScreen), what="dialog")
        assert _buttons(app) == ["Edit the message [Esc]"]
        assert app.screen.budget.message.startswith("Your message is ")
        assert "the model takes 1,300 in all" in app.screen.budget.message
        await pilot.press("n")  # no new conversation on offer: nothing happens
        assert isinstance(app.screen, BudgetScreen)
        await pilot.press("escape")
        await pilot.pause()
        assert not isinstance(app.screen, BudgetScreen) and not engine.requests
        assert app.chat_screen.query_one(PromptInput).text == TOO_LONG


async def test_with_history_a_message_too_long_alone_keeps_the_conversation_on_screen():
    app = make_app(TinyContextEngine(), settings=SETTINGS, conversation=_history())
    async with app.run_test() as pilot:
        await ready(pilot)
        await enter(pilot, TOO_LONG + " hello" * 300)
        await wait_for(pilot, lambda: isinstance(app.screen, BudgetScreen), what="dialog")
        assert _buttons(app) == ["Edit the message [Esc]"]
        await pilot.press("n", "escape")
        await pilot.pause()
        assert len(app.chat_screen.query(UserTurn)) == 1  # not wiped


async def test_a_new_conversation_sends_the_message_once_without_asking_again():
    engine = TinyContextEngine()
    app = make_app(engine, settings=SETTINGS, conversation=_history())
    async with app.run_test() as pilot:
        await ready(pilot)
        await enter(pilot, SHORT)
        await wait_for(pilot, lambda: isinstance(app.screen, BudgetScreen), what="dialog")
        assert _buttons(app) == [
            "Drop the oldest 1 turn [D]",
            "New conversation [N]",
            "Cancel [Esc]",
        ]
        await pilot.press("n")
        await pilot.pause()
        assert not isinstance(app.screen, BudgetScreen)
        await until_idle(pilot)
        assert [m["content"] for m in engine.requests[-1].messages] == [SHORT]
        assert [t.text for t in app.chat_screen.query(UserTurn)] == [SHORT]


async def test_a_line_sent_while_the_dialog_is_open_waits_for_the_answer_not_a_reply():
    app = make_app(TinyContextEngine(), settings=SETTINGS)
    async with app.run_test(notifications=True) as pilot:
        await ready(pilot)
        await enter(pilot, TOO_LONG)
        await wait_for(pilot, lambda: isinstance(app.screen, BudgetScreen), what="dialog")
        await app.chat_screen.driver.send("a pasted second line")
        await pilot.pause()
        (queued,) = [n.message for n in app._notifications if n.message.startswith("Queued")]
        assert queued == "Queued (1): it is sent once you answer the question about the context."
        assert app.chat_screen.query_one("#status").state == "waiting for your choice"
