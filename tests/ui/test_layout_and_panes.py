"""Thinking beside the answer on wide terminals, above it on narrow ones; opening and
folding the panes with Enter, a click, Ctrl+O and F3."""

from __future__ import annotations

from ui_harness import NARROW, WIDE, assistant_turns, make_app, ready, sample_conversation


def _pane_and_answer(app):
    turn = assistant_turns(app)[0]
    return turn.thinking.region, turn.answer.region


async def test_wide_terminal_puts_open_thinking_beside_the_answer_and_follows_resizes():
    app = make_app(conversation=sample_conversation())
    async with app.run_test(size=WIDE) as pilot:
        await ready(pilot)
        await pilot.press("f3")  # open the thinking
        pane, answer = _pane_and_answer(app)
        assert pane.right <= answer.x and pane.y == answer.y

        await pilot.resize_terminal(*NARROW)
        await pilot.pause()
        pane, answer = _pane_and_answer(app)
        assert pane.bottom <= answer.y

        await pilot.resize_terminal(*WIDE)
        await pilot.pause()
        pane, answer = _pane_and_answer(app)
        assert pane.right <= answer.x


async def test_narrow_terminal_stacks_thinking_above_the_answer():
    app = make_app(conversation=sample_conversation())
    async with app.run_test(size=NARROW) as pilot:
        await ready(pilot)
        pane, answer = _pane_and_answer(app)
        assert pane.bottom <= answer.y
        assert answer.width > NARROW[0] - 10  # the answer keeps the full width


async def test_folded_thinking_is_one_whole_line_above_an_answer_of_full_width():
    conversation = sample_conversation()
    conversation.messages[1].thinking_tokens = 12_345
    app = make_app(conversation=conversation)
    async with app.run_test(size=WIDE) as pilot:
        await ready(pilot)
        pane, answer = _pane_and_answer(app)
        assert pane.height == 1 and pane.bottom <= answer.y
        assert answer.x < 10 and answer.width > WIDE[0] - 10  # no gutter beside it
        header = assistant_turns(app)[0].thinking.query_one(".thinking-header")
        assert header.render().plain == "▸ Thoughts · 12,345 tokens"  # whole, not cut


async def test_turn_without_thinking_shows_no_pane():
    app = make_app(conversation=sample_conversation())
    async with app.run_test(size=WIDE) as pilot:
        await ready(pilot)
        second = assistant_turns(app)[1]
        assert not second.thinking.display
        assert second.answer.region.x < 10


async def test_ctrl_o_enter_and_click_toggle_one_pane_and_f3_toggles_all():
    conversation = sample_conversation()
    conversation.add_user("once more")
    conversation.add_assistant("Done.", "Some more thinking here.")
    app = make_app(conversation=conversation)
    async with app.run_test(size=WIDE) as pilot:
        await ready(pilot)
        first, _, last = assistant_turns(app)
        assert not first.thinking.expanded and not last.thinking.expanded

        await pilot.press("ctrl+o")  # no reply focused: the latest one
        assert last.thinking.expanded and not first.thinking.expanded
        assert last.thinking.query_one(".thinking-body").region.height >= 1
        await pilot.press("ctrl+o")
        assert not last.thinking.expanded

        first.thinking.focus()
        await pilot.press("enter")
        assert first.thinking.expanded
        await pilot.click(first.thinking.query_one(".thinking-header"))
        assert not first.thinking.expanded

        await pilot.press("f3")
        assert first.thinking.expanded and last.thinking.expanded
        await pilot.press("f3")
        assert not first.thinking.expanded and not last.thinking.expanded
