"""The tool-call block and the approval dialog on their own, in a small host app: what
their lines say, how they open, which key answers what, and that a hostile name,
arguments or result never reach the terminal live."""

from __future__ import annotations

from pathlib import Path

from textual.app import App, ComposeResult

import qwen_tui.ui
from qwen_tui.tools.approval import Answer
from qwen_tui.tools.server_tools import McpTool, ServerFailure
from qwen_tui.ui.screens.tool_approval_screen import ToolApprovalScreen
from qwen_tui.ui.screens.tools_screen import ToolsScreen, tools_sheet
from qwen_tui.ui.widgets.tool_call_block import CallOutcome, ToolCallBlock
from tests.hostile_text import HOSTILE, SHOWN, forbidden_in
from tests.ui.test_hostile_text import screen_text


class Host(App):
    CSS_PATH = Path(qwen_tui.ui.__file__).with_name("chat.tcss")  # the chat's own styles

    def __init__(self, *blocks: ToolCallBlock) -> None:
        super().__init__()
        self.blocks = blocks

    def compose(self) -> ComposeResult:
        yield from self.blocks


def time_call(clock=lambda: 0.0) -> ToolCallBlock:
    return ToolCallBlock("time.get_current_time", '{"timezone": "Asia/Tokyo"}', clock=clock)


async def test_a_call_runs_with_a_clock_then_shows_its_time_and_opens_to_its_result():
    now = [10.0]
    block = time_call(lambda: now[0])
    async with Host(block).run_test() as pilot:
        now[0] = 11.5
        assert block.header_text() == (
            '▸ time.get_current_time {"timezone": "Asia/Tokyo"} · running… 1.5 s'
        )
        block.finish('{"timezone": "Asia/Tokyo", "datetime": "12:00"}', CallOutcome.DONE, 0.21)
        assert block.header_text() == '▸ time.get_current_time {"timezone": "Asia/Tokyo"} · 0.2 s'
        body = block.query_one(".tool-call-body")
        assert not body.display or not body.region.height  # folded: the line only
        await pilot.click(ToolCallBlock)
        await pilot.pause()
        assert block.header_text().startswith("▾ time.get_current_time")
        assert '"datetime": "12:00"' in screen_text(pilot.app)
        block.focus()
        await pilot.press("enter")
        await pilot.pause()
        assert not block.expanded


async def test_failed_and_denied_calls_say_so_on_their_line():
    failed, denied = time_call(), time_call()
    async with Host(failed, denied).run_test() as pilot:
        timed_out = "Error: time.get_current_time did not finish within 60 s"
        failed.finish(timed_out, CallOutcome.FAILED, 60.0)
        denied.finish("The user denied this tool call.", CallOutcome.DENIED, None)
        await pilot.pause()
        assert failed.header_text().endswith("· 1 min 00 s · failed")
        assert failed.has_class("-failed")
        assert denied.header_text().endswith("· denied")
        assert denied.has_class("-denied")


async def test_long_arguments_are_cut_on_the_line_and_shown_whole_when_open():
    block = ToolCallBlock("testing.echo", '{"text": "' + "word " * 100 + '"}')
    async with Host(block).run_test(size=(120, 40)) as pilot:
        block.finish("echo", CallOutcome.DONE, 0.1)
        assert "…" in block.header_text() and len(block.header_text()) < 240
        block.expanded = True
        await pilot.pause()
        assert screen_text(pilot.app).count("word") > 60


async def test_hostile_names_arguments_and_results_show_as_marks():
    block = ToolCallBlock(HOSTILE, '{"text": "' + HOSTILE + '"}')
    async with Host(block).run_test(size=(400, 40)) as pilot:
        block.finish(HOSTILE, CallOutcome.DONE, 0.1)
        block.expanded = True
        await pilot.pause()
        shown = screen_text(pilot.app)
        assert forbidden_in(shown) == []
        assert all(mark in shown for mark in SHOWN)


async def answer_with(*keys: str, arguments=None) -> list[Answer | None]:
    answers: list[Answer | None] = []
    app = Host()
    async with app.run_test(size=(100, 30)) as pilot:
        screen = ToolApprovalScreen("time.get_current_time", arguments or {"timezone": "UTC"})
        app.push_screen(screen, answers.append)
        await pilot.pause()
        assert "time.get_current_time" in screen_text(app)
        assert '"timezone": "UTC"' in screen_text(app)
        await pilot.press(*keys)
        await pilot.pause()
    return answers


async def test_the_approval_dialog_answers_once_always_or_deny_by_key():
    assert await answer_with("y") == [Answer.ONCE]
    assert await answer_with("a") == [Answer.ALWAYS]
    assert await answer_with("n") == [Answer.DENY]
    assert await answer_with("escape") == [Answer.DENY]


async def test_enter_alone_in_the_approval_dialog_denies():
    assert await answer_with("enter") == [Answer.DENY]


async def test_the_approval_dialogs_buttons_answer_too():
    answers: list[Answer | None] = []
    app = Host()
    async with app.run_test(size=(100, 30)) as pilot:
        app.push_screen(ToolApprovalScreen("time.get_current_time", {}), answers.append)
        await pilot.pause()
        assert "(no arguments)" in screen_text(app)
        await pilot.click("#tool-always")
        await pilot.pause()
    assert answers == [Answer.ALWAYS]


async def test_the_approval_dialog_shows_a_hostile_name_arguments_and_description_as_marks():
    app = Host()
    async with app.run_test(size=(400, 40)) as pilot:
        app.push_screen(ToolApprovalScreen(HOSTILE, {"text": HOSTILE}, HOSTILE))
        await pilot.pause()
        shown = screen_text(app)
        assert forbidden_in(shown) == []
        assert "<U+202E>evil" in shown


async def test_the_tools_sheet_shows_hostile_names_descriptions_and_reasons_as_marks():
    tool = McpTool("testing", HOSTILE, HOSTILE, {})
    sheet = tools_sheet([tool], [ServerFailure("broken", HOSTILE)], configured=True, starting=False)
    app = Host()
    async with app.run_test(size=(400, 40)) as pilot:
        app.push_screen(ToolsScreen(sheet))
        await pilot.pause()
        shown = screen_text(app)
        assert forbidden_in(shown) == []
        assert "Tools (1)" in shown and "✗ broken failed to start: Hi" in shown
        assert "<U+202E>evil" in shown
