"""Copying one code block of a reply (C or Y on the focused block, a click on its mark),
and a reply's thinking (C or Y on its thinking pane)."""

from __future__ import annotations

from ui_harness import (
    HeldReplyEngine,
    RecordingEngine,
    assistant_turns,
    live_turn,
    make_app,
    ready,
    sample_conversation,
    send,
    until_idle,
    wait_for,
)

from qwen_tui.chat.messages import Conversation
from qwen_tui.engine.base import GenerationRequest
from qwen_tui.ui.widgets.code_block import COPY_MARK, CodeBlock

REVERSE = "def reverse(text: str) -> str:\n    return text[::-1]"
TWO_BLOCKS = (
    "First the shell:\n\n```bash\npip install qwen-tui\n```\n\n"
    "Then Python, in a list:\n\n- run it:\n\n  ```python\n  import qwen_tui\n  print(1)\n  ```\n"
)


class ScriptedAnswer(RecordingEngine):
    """Answers every question with `answer`, no thinking."""

    def __init__(self, answer: str, **kwargs) -> None:
        super().__init__(**kwargs)
        self.answer = answer

    def compose_reply(self, request: GenerationRequest) -> tuple[str, str]:
        return "", self.answer


class HeldAnswer(HeldReplyEngine):
    """`ScriptedAnswer`, held after `hold_after` tokens until released."""

    def __init__(self, answer: str, **kwargs) -> None:
        super().__init__(**kwargs)
        self.answer = answer

    def compose_reply(self, request: GenerationRequest) -> tuple[str, str]:
        return "", self.answer


def _notices(app) -> list[str]:
    return [n.message for n in app._notifications]


def _conversation(answer: str) -> Conversation:
    conversation = Conversation()
    conversation.add_user("Show me.")
    conversation.add_assistant(answer)
    return conversation


async def test_c_on_a_focused_code_block_copies_only_its_code():
    app = make_app(conversation=sample_conversation())
    async with app.run_test() as pilot:
        await ready(pilot)
        turn = assistant_turns(app)[0]
        turn.thinking.focus()
        await pilot.press("tab")  # Tab goes on from the reply's thinking to its code
        assert app.focused is turn.query_one(CodeBlock)
        await pilot.press("c")
        assert app.clipboard == REVERSE
        assert "Copied 2 lines." in _notices(app)
        app.copy_to_clipboard("")
        await pilot.press("y")
        assert app.clipboard == REVERSE


async def test_a_click_on_the_copy_mark_copies_the_block():
    app = make_app(conversation=sample_conversation())
    async with app.run_test(size=(100, 40)) as pilot:
        await ready(pilot)
        await pilot.pause()  # laid out, so the click lands where the mark is drawn
        mark = assistant_turns(app)[0].query_one(".code-copy-mark")
        assert str(mark.render()) == COPY_MARK
        assert await pilot.click(mark)
        assert app.clipboard == REVERSE
        assert "Copied 2 lines." in _notices(app)


async def test_each_block_copies_its_own_code_even_inside_a_list():
    app = make_app(conversation=_conversation(TWO_BLOCKS))
    async with app.run_test() as pilot:
        await ready(pilot)
        first, second = assistant_turns(app)[0].query(CodeBlock)
        first.focus()
        await pilot.press("c")
        assert app.clipboard == "pip install qwen-tui"
        assert "Copied 1 line." in _notices(app)
        second.focus()
        await pilot.press("c")
        assert app.clipboard == "import qwen_tui\nprint(1)"
        # C on the reply itself still copies the whole answer.
        assistant_turns(app)[0].focus()
        await pilot.press("c")
        assert app.clipboard == TWO_BLOCKS


async def test_the_copy_is_the_exact_code_while_the_screen_shows_marks():
    answer = "```text\nred \x1b[31mtext\x1b[0m\n```"
    app = make_app(conversation=_conversation(answer))
    async with app.run_test() as pilot:
        await ready(pilot)
        block = assistant_turns(app)[0].query_one(CodeBlock)
        shown = str(block.query_one("#code-content").render())
        assert "\x1b" not in shown and "␛[31m" in shown
        block.focus()
        await pilot.press("c")
        assert app.clipboard == "red \x1b[31mtext\x1b[0m"


async def test_a_block_can_be_copied_while_the_reply_streams_and_after():
    code = "first = 1\nsecond = 2\nthird = 3"
    answer = f"Here:\n\n```python\n{code}\n```\n\nDone, with more text after."
    engine = HeldAnswer(answer, hold_after=12)
    app = make_app(engine)
    async with app.run_test() as pilot:
        await ready(pilot)
        await send(pilot, "code please")
        await wait_for(
            pilot,
            lambda: (turn := live_turn(app)) is not None and turn.query(CodeBlock),
            what="a code block mid-stream",
        )
        streaming = live_turn(app).query_one(CodeBlock)
        streaming.focus()
        await pilot.press("c")
        assert app.clipboard == streaming.exact_code
        assert app.clipboard and code.startswith(app.clipboard)
        engine.release.set()
        await until_idle(pilot)
        turn = assistant_turns(app)[-1]
        # The answer renders once more when it ends, with new blocks.
        await wait_for(
            pilot,
            lambda: not streaming.is_attached and turn.query(CodeBlock),
            what="the final render",
        )
        block = turn.query_one(CodeBlock)
        block.focus()
        await pilot.press("y")
        assert app.clipboard == code
        assert "Copied 3 lines." in _notices(app)


async def test_c_on_a_thinking_pane_copies_its_whole_thinking_even_folded():
    conversation = sample_conversation()
    thinking = conversation.messages[1].thinking
    app = make_app(conversation=conversation)
    async with app.run_test() as pilot:
        await ready(pilot)
        pane = assistant_turns(app)[0].thinking
        assert not pane.expanded  # a saved reply's thinking shows folded
        pane.focus()
        await pilot.press("c")
        assert app.clipboard == thinking
        assert f"Copied the thinking ({len(thinking):,} characters)." in _notices(app)
