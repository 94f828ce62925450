"""Snapshots of the main screen (wide and narrow), a focused code block with its copy mark,
the help screen and the sessions screen (whole, and filtered by a search), tool calls in a
turn and the dialog that approves one, a regenerated reply with its "◂ 2/3 ▸", and the
table `/set` shows.

They show a resumed conversation with fixed figures, and sessions with fixed ids and
dates, so nothing depends on a clock.
Update them with `pytest tests/ui/test_snapshots.py --snapshot-update` after a deliberate
change, and look at the new SVGs before committing them.
"""

from __future__ import annotations

from session_files import save_sessions
from ui_harness import NARROW, WIDE, enter, make_app, ready, sample_conversation, wait_for

from qwen_tui.chat.messages import Conversation, GenerationStats, Message, Role, ToolCallRecord
from qwen_tui.tools.approval import DENIED_TEXT
from qwen_tui.ui.screens.tool_approval_screen import ToolApprovalScreen
from qwen_tui.ui.widgets.assistant_turn import AssistantTurn
from qwen_tui.ui.widgets.code_block import CodeBlock
from qwen_tui.ui.widgets.tool_call_block import ToolCallBlock


async def _settled(pilot) -> None:
    await ready(pilot)
    # A blinking cursor would make the picture depend on when it is taken.
    pilot.app.chat_screen.query_one("#prompt").cursor_blink = False
    await pilot.pause()


async def _open_first_thoughts(pilot) -> None:
    await _settled(pilot)
    await pilot.press("f3")
    await pilot.pause()


def test_main_screen_wide_with_thinking_beside_the_answer(snap_compare):
    app = make_app(conversation=sample_conversation())
    assert snap_compare(app, terminal_size=WIDE, run_before=_open_first_thoughts)


def test_main_screen_narrow_with_thinking_above_the_answer(snap_compare):
    app = make_app(conversation=sample_conversation())
    assert snap_compare(app, terminal_size=NARROW, run_before=_open_first_thoughts)


def test_main_screen_wide_with_thoughts_folded(snap_compare):
    app = make_app(conversation=sample_conversation())
    assert snap_compare(app, terminal_size=WIDE, run_before=_settled)


def test_a_focused_code_block_with_its_copy_mark(snap_compare):
    app = make_app(conversation=sample_conversation())

    async def focus_the_code(pilot) -> None:
        await _settled(pilot)
        pilot.app.chat_screen.query_one(CodeBlock).focus()
        await pilot.pause()

    assert snap_compare(app, terminal_size=(100, 24), run_before=focus_the_code)


def test_help_screen(snap_compare):
    app = make_app()

    async def open_help(pilot) -> None:
        await _settled(pilot)
        await pilot.press("f1")
        await pilot.pause()

    assert snap_compare(app, terminal_size=(100, 40), run_before=open_help)


def test_sessions_screen(snap_compare, monkeypatch):
    save_sessions(monkeypatch)
    app = make_app()

    async def open_sessions(pilot) -> None:
        await _settled(pilot)
        await pilot.press("f4")
        await pilot.pause()

    assert snap_compare(app, terminal_size=(100, 30), run_before=open_sessions)


def test_sessions_screen_filtered(snap_compare, monkeypatch):
    save_sessions(monkeypatch)
    app = make_app()

    async def filter_sessions(pilot) -> None:
        await _settled(pilot)
        await pilot.press("f4", "slash")
        pilot.app.screen.query_one("#session-filter").cursor_blink = False
        await pilot.press(*"keys")
        await wait_for(
            pilot, lambda: "1 of 3" in str(pilot.app.screen.query_one("#sessions-title").render())
        )

    assert snap_compare(app, terminal_size=(100, 30), run_before=filter_sessions)


def test_header_line_with_a_system_prompt_set_by_slash_system(snap_compare):
    app = make_app()

    async def set_system_prompt(pilot) -> None:
        await _settled(pilot)
        await enter(pilot, "/system Answer in French, briefly.")
        await pilot.pause()

    assert snap_compare(app, terminal_size=(100, 20), run_before=set_system_prompt)


def test_the_table_of_slash_set_in_the_conversation(snap_compare):
    app = make_app(conversation=sample_conversation())

    async def show_the_table(pilot) -> None:
        await _settled(pilot)
        await enter(pilot, "/set temperature 0.3")
        await enter(pilot, "/set")
        await pilot.pause()

    assert snap_compare(app, terminal_size=(100, 40), run_before=show_the_table)


TOKYO = '{"timezone": "Asia/Tokyo", "datetime": "2026-12-02T21:00:00+09:00", "is_dst": false}'


def tool_conversation() -> Conversation:
    """A question answered with two tool calls, one run and one denied, fixed figures."""
    conversation = Conversation()
    conversation.add_user("What time is it in Tokyo, and in Paris?")
    calls = (
        ToolCallRecord("time.get_current_time", {"timezone": "Asia/Tokyo"}),
        ToolCallRecord("time.get_current_time", {"timezone": "Europe/Paris"}),
    )
    reply = conversation.add_assistant(
        "Let me check both.",
        "The user wants two times; the time tool can tell me.",
        stats=GenerationStats(40, 52, 0.18, 88.0, 0.6),
    )
    reply.tool_calls = calls
    conversation.messages += [
        Message(Role.TOOL, TOKYO, tool_name=calls[0].name, ran=True, seconds=0.21),
        Message(Role.TOOL, DENIED_TEXT, tool_name=calls[1].name, is_error=True),
    ]
    conversation.add_assistant(
        "It is 21:00 in Tokyo. You did not let me look up Paris.",
        stats=GenerationStats(160, 14, 0.11, 90.0, 0.16),
    )
    return conversation


def test_tool_calls_in_a_turn_one_opened_to_its_result(snap_compare):
    app = make_app(conversation=tool_conversation())

    async def open_first_call(pilot) -> None:
        await _settled(pilot)
        pilot.app.chat_screen.query(ToolCallBlock).first().expanded = True
        await pilot.pause()

    assert snap_compare(app, terminal_size=(100, 30), run_before=open_first_call)


def test_tool_approval_dialog(snap_compare):
    app = make_app(conversation=sample_conversation())

    async def ask(pilot) -> None:
        await _settled(pilot)
        arguments = {"source_timezone": "Asia/Tokyo", "time": "21:00", "target_timezone": "UTC"}
        description = "Convert time between timezones.\nMore lines the dialog leaves out."
        screen = ToolApprovalScreen("time.convert_time", arguments, description)
        pilot.app.push_screen(screen)
        await pilot.pause()

    # 80 columns, 24 rows: the smallest terminal the dialog must fit, buttons and all.
    assert snap_compare(app, terminal_size=NARROW, run_before=ask)


def _version(text: str, tokens: int) -> list[Message]:
    """One reply of a user message that has several, as the conversation keeps it."""
    return [Message(Role.ASSISTANT, text, stats=GenerationStats(92, tokens, 0.1, 90.0, 0.2))]


def test_a_regenerated_reply_shows_which_version_it_is(snap_compare):
    conversation = sample_conversation()
    question = conversation.messages[2]
    question.other_replies = [
        _version("`text[::-1]` is shortest.", 9),
        _version("Walk it backwards in a loop.", 8),
    ]
    question.shown_reply = 1  # the second of three; the one shown is the second made
    app = make_app(conversation=conversation)

    async def focus_the_reply(pilot) -> None:
        await _settled(pilot)
        reply = pilot.app.chat_screen.query(AssistantTurn).last()
        reply.focus()
        await pilot.pause()
        assert str(reply.choice.render()) == "◂ 2/3 ▸"

    assert snap_compare(app, terminal_size=(100, 30), run_before=focus_the_reply)
