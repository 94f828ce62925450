"""Snapshots of a fork: the mark at the top of a forked conversation, and a past message
being edited (the line above the input, the input's border, Esc in the footer).

Fixed ids and figures, so nothing depends on a clock. Update them with
`pytest tests/ui/test_fork_snapshots.py --snapshot-update` after a deliberate change, and
look at the new SVGs before committing them.
"""

from __future__ import annotations

from dataclasses import replace

from ui_harness import WIDE, make_app, ready, sample_conversation

from qwen_tui.chat.fork_origin import ForkOrigin
from qwen_tui.ui.widgets.user_turn import UserTurn


async def _settled(pilot) -> None:
    await ready(pilot)
    # A blinking cursor would make the picture depend on when it is taken.
    pilot.app.chat_screen.query_one("#prompt").cursor_blink = False
    await pilot.pause()


def test_a_forked_conversation_says_where_it_came_from(snap_compare):
    forked = replace(sample_conversation(), forked_from=ForkOrigin("250314-0930-k3f9", 2))
    app = make_app(conversation=forked)
    # Tall enough for the whole conversation: the mark is its first line.
    assert snap_compare(app, terminal_size=(100, 36), run_before=_settled)


def test_a_past_message_edited_in_the_input(snap_compare):
    app = make_app(conversation=sample_conversation())

    async def edit_the_first_message(pilot) -> None:
        await _settled(pilot)
        pilot.app.chat_screen.query(UserTurn).first().focus()
        await pilot.press("e")
        await pilot.pause()

    assert snap_compare(app, terminal_size=WIDE, run_before=edit_the_first_message)
