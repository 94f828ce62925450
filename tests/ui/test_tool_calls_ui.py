"""The tool loop in the chat, end to end: the demo engine replies with a tool call, a real
MCP server (`mcp-server-time`, and the tests' own server) runs it over stdio, and the
user approves or denies it in the dialog."""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

from qwen_tui.chat.messages import Role
from qwen_tui.config import Settings
from qwen_tui.conversation.tool_loop import ToolActivity
from qwen_tui.sessions import SessionStore
from qwen_tui.tool_settings import McpServer, ToolSettings
from qwen_tui.tools.approval import DENIED_TEXT
from qwen_tui.ui.app import ChatApp
from qwen_tui.ui.screens.confirm_screen import ConfirmScreen
from qwen_tui.ui.screens.tool_approval_screen import ToolApprovalScreen
from qwen_tui.ui.screens.tools_screen import ToolsScreen
from qwen_tui.ui.widgets.status_bar import StatusBar
from qwen_tui.ui.widgets.tool_call_block import CallOutcome, ToolCallBlock
from tests.hostile_text import HOSTILE, forbidden_in
from tests.recording_engine import RecordingEngine
from tests.ui.test_hostile_text import screen_text
from tests.ui.ui_harness import make_app, ready, send, until_idle, wait_for

TEST_SERVER = str(Path(__file__).parents[1] / "tools" / "mcp_test_server.py")
TIME = McpServer("time", sys.executable, ("-m", "mcp_server_time", "--local-timezone=UTC"))
TESTING = McpServer("testing", sys.executable, (TEST_SERVER,))
MISSING = McpServer("missing", "no-such-mcp-server-program")
START_S = 30.0  # servers start in about a second; a loaded machine takes longer


class LongSleepEngine(RecordingEngine):
    """Asks for `testing.sleep` of 30 s, long past any time a test waits."""

    def compose_reply(self, request):
        if request.messages[-1]["role"] == "user":
            call = {"name": "testing.sleep", "arguments": {"seconds": 30}}
            return "", f"<tool_call>\n{json.dumps(call)}\n</tool_call>"
        return super().compose_reply(request)


class TwoCallsEngine(RecordingEngine):
    """Asks for the time in Tokyo and in Paris in one reply."""

    def compose_reply(self, request):
        if request.messages[-1]["role"] == "user":
            blocks = [
                {"name": "time.get_current_time", "arguments": {"timezone": zone}}
                for zone in ("Asia/Tokyo", "Europe/Paris")
            ]
            text = "".join(f"<tool_call>\n{json.dumps(b)}\n</tool_call>\n" for b in blocks)
            return "", "Checking both.\n" + text
        return super().compose_reply(request)


class BadCallsEngine(RecordingEngine):
    """Writes a block that is not JSON and a call to a tool no server has."""

    def compose_reply(self, request):
        if request.messages[-1]["role"] == "user":
            unknown = json.dumps({"name": "time.get_weather", "arguments": {"city": "Paris"}})
            return "", f"<tool_call>{{not json</tool_call><tool_call>{unknown}</tool_call>"
        return super().compose_reply(request)


class HostileEchoEngine(RecordingEngine):
    """Has `testing.echo` say back text that tries to drive the terminal."""

    def compose_reply(self, request):
        if request.messages[-1]["role"] == "user":
            call = {"name": "testing.echo", "arguments": {"text": HOSTILE}}
            return "", f"<tool_call>{json.dumps(call)}</tool_call>"
        return super().compose_reply(request)


def tool_app(*servers: McpServer, engine: RecordingEngine | None = None, **tools):
    settings = Settings(engine="demo", tools=ToolSettings(servers=servers or (TIME,), **tools))
    return make_app(engine or RecordingEngine(), settings=settings)


async def tools_up(pilot) -> None:
    """Wait until the model is loaded and every server has started or failed."""
    await ready(pilot)
    servers = pilot.app.tool_servers
    await wait_for(pilot, lambda: not servers.starting, START_S, "the MCP servers")
    await pilot.pause()


def blocks(app) -> list[ToolCallBlock]:
    return list(app.chat_screen.query(ToolCallBlock))


async def approval(pilot) -> ToolApprovalScreen:
    await wait_for(pilot, lambda: isinstance(pilot.app.screen, ToolApprovalScreen), 10, "ask")
    await pilot.pause()
    return pilot.app.screen


def tool_messages(app):
    return [m for m in app.core.conversation.messages if m.role is Role.TOOL]


async def test_allowing_a_call_runs_it_and_the_model_answers_from_its_result():
    engine = RecordingEngine()
    app = tool_app(engine=engine)
    async with app.run_test(size=(120, 40)) as pilot:
        await tools_up(pilot)
        await send(pilot, "What time is it?")
        dialog = await approval(pilot)
        assert dialog.tool_name == "time.get_current_time"
        assert dialog.arguments == {"timezone": "UTC"}
        assert '"timezone": "UTC"' in screen_text(app)
        assert dialog.description.startswith("Get current time")  # the server's own words
        (block,) = blocks(app)
        assert block.header_text().endswith("· waiting for your approval")
        await pilot.press("y")
        await until_idle(pilot, 20)
        assert block.outcome is CallOutcome.DONE
        header = block.header_text()
        assert header.startswith('▸ time.get_current_time {"timezone": "UTC"} · ')
        assert header.endswith(" s")
        assert json.loads(block.result)["timezone"] == "UTC"
        # The next step's request carried the result; its reply quotes it.
        assert engine.requests[-1].messages[-1]["role"] == "tool"
        assert "The tool says" in app.chat_screen.query("AnswerView").last().text
        # One question, its reply with the call, the call's block, the reply to its result.
        shown = [type(w).__name__ for w in app.chat_screen.query_one("#conversation").children]
        assert shown[-4:] == ["UserTurn", "AssistantTurn", "ToolCallBlock", "AssistantTurn"]
        assert shown.count("UserTurn") == 1
        block.focus()
        await pilot.press("enter")
        await pilot.pause()
        assert '"datetime"' in screen_text(app)


async def test_denying_a_call_sends_the_denial_to_the_model():
    engine = RecordingEngine()
    app = tool_app(engine=engine)
    async with app.run_test(size=(120, 40)) as pilot:
        await tools_up(pilot)
        await send(pilot, "What time is it?")
        await approval(pilot)
        await pilot.press("n")
        await until_idle(pilot, 20)
        (block,) = blocks(app)
        assert block.outcome is CallOutcome.DENIED
        assert block.header_text().endswith("· denied")
        assert [m.content for m in tool_messages(app)] == [DENIED_TEXT]
        sent = engine.requests[-1].messages[-1]  # the model's next request carries it
        assert (sent["role"], sent["content"]) == ("tool", DENIED_TEXT)


async def test_two_calls_of_one_reply_are_asked_about_and_shown_in_order():
    app = tool_app(engine=TwoCallsEngine())
    async with app.run_test(size=(120, 40)) as pilot:
        await tools_up(pilot)
        await send(pilot, "What time is it in Tokyo and Paris?")
        assert (await approval(pilot)).arguments == {"timezone": "Asia/Tokyo"}
        await pilot.press("y")
        await wait_for(pilot, lambda: len(blocks(app)) == 2, 10, "the second call")
        assert (await approval(pilot)).arguments == {"timezone": "Europe/Paris"}
        await pilot.press("n")
        await until_idle(pilot, 20)
        tokyo, paris = blocks(app)
        assert (tokyo.outcome, paris.outcome) == (CallOutcome.DONE, CallOutcome.DENIED)
        assert "Asia/Tokyo" in tokyo.header_text() and "Europe/Paris" in paris.header_text()
        assert json.loads(tokyo.result)["timezone"] == "Asia/Tokyo"


async def test_malformed_and_unknown_calls_are_shown_failed_without_asking():
    engine = BadCallsEngine()
    app = tool_app(engine=engine)
    async with app.run_test(size=(120, 40)) as pilot:
        await tools_up(pilot)
        await send(pilot, "Weather?")
        await until_idle(pilot, 20)
        malformed, unknown = blocks(app)
        assert malformed.header_text() == "▸ malformed tool call {not json · failed"
        assert "not valid JSON" in malformed.result
        assert unknown.header_text().startswith('▸ time.get_weather {"city": "Paris"}')
        assert unknown.outcome is CallOutcome.FAILED
        assert "there is no tool 'time.get_weather'" in unknown.result
        # Both errors went back to the model, which answered from them.
        assert [m["role"] for m in engine.requests[-1].messages[-2:]] == ["tool", "tool"]


async def test_esc_in_the_dialog_denies():
    app = tool_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await tools_up(pilot)
        await send(pilot, "What time is it?")
        await approval(pilot)
        await pilot.press("escape")
        await until_idle(pilot, 20)
        assert [b.outcome for b in blocks(app)] == [CallOutcome.DENIED]


async def test_always_allowing_a_tool_does_not_ask_again_in_this_conversation():
    app = tool_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await tools_up(pilot)
        await send(pilot, "What time is it?")
        await approval(pilot)
        await pilot.press("a")
        await until_idle(pilot, 20)
        await send(pilot, "And what time is it now?")
        await until_idle(pilot, 20)
        assert not isinstance(app.screen, ToolApprovalScreen)
        assert [b.outcome for b in blocks(app)] == [CallOutcome.DONE, CallOutcome.DONE]
        # A new conversation asks again.
        await pilot.press("ctrl+n")
        await send(pilot, "What time is it?")
        await approval(pilot)
        await pilot.press("n")
        await until_idle(pilot, 20)


async def test_esc_while_a_call_runs_cancels_it_and_ends_the_turn():
    app = tool_app(TESTING, engine=LongSleepEngine())
    async with app.run_test(size=(120, 40)) as pilot:
        await tools_up(pilot)
        await send(pilot, "Please sleep a while.")
        await approval(pilot)
        await pilot.press("y")
        (block,) = blocks(app)
        await wait_for(pilot, lambda: app.chat_screen.view.status.state == "running a tool")
        await pilot.press("escape")
        await until_idle(pilot, 10)
        assert block.outcome is CallOutcome.FAILED
        assert "cancelled by the user" in block.result
        assert block.header_text().endswith("· failed")
        assert app.chat_screen.view.status.state == "ready"
        # The turn ended at the call: no reply to its result was asked for.
        assert app.core.conversation.messages[-1].role is Role.TOOL


async def test_the_status_bar_counts_tools_and_servers_and_failures_are_notices():
    app = tool_app(TIME, MISSING)
    async with app.run_test(size=(160, 40), notifications=True) as pilot:
        status = app.chat_screen.query_one(StatusBar)
        assert status.tools in ("tools starting…", "2 tools · 1 server · 1 failed")
        await tools_up(pilot)
        assert status.tools == "2 tools · 1 server · 1 failed"
        assert "2 tools · 1 server · 1 failed" in screen_text(app)
        notices = [n.message for n in app._notifications]
        assert any("MCP server missing failed to start: no program" in n for n in notices)


async def test_slash_tools_lists_the_tools_with_descriptions_and_the_failed_servers():
    app = tool_app(TIME, MISSING)
    async with app.run_test(size=(120, 40)) as pilot:
        await tools_up(pilot)
        await send_command(pilot, "/tools")
        assert isinstance(app.screen, ToolsScreen)
        shown = screen_text(app)
        assert "time.get_current_time" in shown and "time.convert_time" in shown
        assert "Get current time" in shown
        assert "missing failed to start: no program 'no-such-mcp-server-program'" in shown
        await pilot.press("escape")
        assert not isinstance(app.screen, ToolsScreen)


async def test_slash_tools_without_servers_says_how_to_add_one():
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await ready(pilot)
        assert app.chat_screen.query_one(StatusBar).tools == ""
        await send_command(pilot, "/tools")
        assert "No MCP servers are configured" in screen_text(app)


async def send_command(pilot, line: str) -> None:
    prompt = pilot.app.chat_screen.query_one("#prompt")
    prompt.text = line
    await pilot.press("enter")
    await pilot.pause()


async def test_a_resumed_conversation_shows_its_calls_folded_with_their_results():
    app = tool_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await tools_up(pilot)
        await send(pilot, "What time is it?")
        await approval(pilot)
        await pilot.press("y")
        await until_idle(pilot, 20)
        conversation = app.core.conversation
    again = make_app(conversation=conversation)
    async with again.run_test(size=(120, 40)) as pilot:
        await ready(pilot)
        (block,) = blocks(again)
        assert block.outcome is CallOutcome.DONE and not block.expanded
        assert block.header_text().startswith('▸ time.get_current_time {"timezone": "UTC"} · ')
        assert json.loads(block.result)["timezone"] == "UTC"


async def test_the_chat_answers_while_a_slow_server_is_still_starting():
    slow = McpServer("slow", sys.executable, ("-c", "import time; time.sleep(4)"))
    app = tool_app(slow)
    async with app.run_test(size=(160, 40), notifications=True) as pilot:
        await ready(pilot)
        status = app.chat_screen.query_one(StatusBar)
        assert app.tool_servers.starting and status.tools == "tools starting…"
        await send(pilot, "Hello there")
        await until_idle(pilot)
        assert app.tool_servers.starting  # answered before the server gave up
        assert blocks(app) == []
        await send_command(pilot, "/tools")
        assert "The MCP servers are still starting" in screen_text(app)
        await pilot.press("escape")
        await wait_for(pilot, lambda: not app.tool_servers.starting, START_S, "the server")
        await pilot.pause()
        assert status.tools == "0 tools · 0 servers · 1 failed"
        assert any("MCP server slow failed to start" in n.message for n in app._notifications)


async def test_play_shows_a_sessions_calls_with_their_recorded_results(monkeypatch, a_terminal):
    from typer.testing import CliRunner

    import qwen_tui.ui.app as ui_app
    from qwen_tui.cli import app as cli
    from qwen_tui.sessions import SessionStore
    from qwen_tui.ui.app import ChatApp
    from tests.config_files import write_config

    servers = f"[mcp_servers.time]\ncommand = {sys.executable!r}\nargs = {list(TIME.args)!r}\n"
    write_config(servers)
    ran = CliRunner().invoke(cli, ["run", "--engine", "demo", "--json", "--yes", "What time?"])
    assert ran.exit_code == 0, ran.output
    session = SessionStore().load(json.loads(ran.stdout)["session"])
    calls: list[dict] = []
    monkeypatch.setattr(
        ui_app, "run_chat_app", lambda settings, **kw: calls.append(kw | {"settings": settings})
    )
    played = CliRunner().invoke(cli, ["play", session.id, "--speed", "100"])
    assert played.exit_code == 0, played.output
    (arguments,) = calls
    app = ChatApp(arguments.pop("settings"), **arguments)
    assert app.tool_servers is None  # nothing runs: the recording answers
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for(pilot, lambda: blocks(app) and not app.core.busy, 10, "the played call")
        await until_idle(pilot, 10)
        (block,) = blocks(app)
        assert not isinstance(app.screen, ToolApprovalScreen)
        assert block.outcome is CallOutcome.DONE
        assert block.result == session.conversation.messages[2].content
        answers = [view.text for view in app.chat_screen.query("AnswerView")]
        assert answers[0] == "Let me check." and "<tool_call>" not in "".join(answers)


async def test_hostile_arguments_and_results_reach_the_screen_only_as_marks():
    app = tool_app(TESTING, engine=HostileEchoEngine())
    async with app.run_test(size=(400, 60)) as pilot:
        await tools_up(pilot)
        await send(pilot, "Say it back.")
        await approval(pilot)
        assert forbidden_in(screen_text(app)) == []  # the dialog's arguments
        await pilot.press("y")
        await until_idle(pilot, 20)
        (block,) = blocks(app)
        assert block.result == f"echo: {HOSTILE}"  # the model reads it as it came
        block.expanded = True
        await pilot.pause()
        shown = screen_text(app)
        assert forbidden_in(shown) == []
        assert "echo: Hi ␛]52;c;aGFja2Vk␇" in shown


async def test_ctrl_q_while_a_call_runs_asks_first_and_quitting_cancels_the_call():
    settings = Settings(engine="demo", tools=ToolSettings(servers=(TESTING,)))
    app = ChatApp(settings, engine=LongSleepEngine())  # saved in the sessions directory
    async with app.run_test(size=(120, 40)) as pilot:
        await tools_up(pilot)
        await send(pilot, "Please sleep a while.")
        await approval(pilot)
        await pilot.press("y")
        await wait_for(pilot, lambda: app.chat_screen.view.status.state == "running a tool")
        await pilot.press("ctrl+q")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmScreen), what="question")
        assert "A tool call is still running; quitting cancels it." in app.screen.question
        await pilot.press("n")  # stay: the call goes on
        assert app.is_running and app.core.tool_activity is ToolActivity.RUNNING
        await pilot.press("ctrl+q")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmScreen), what="question")
        quit_at = time.monotonic()
        await pilot.press("y")
        await wait_for(pilot, lambda: not app.is_running, what="the app to end")
    # The server, still in its 30 s sleep, gets the SDK's 2 s to exit and is then stopped.
    assert time.monotonic() - quit_at < 5
    (session_id,) = SessionStore().ids()
    *_, called, result = SessionStore().load(session_id).conversation.messages
    assert called.tool_calls[0].name == "testing.sleep"
    assert result.role is Role.TOOL and result.is_error
    assert result.content == "Error: testing.sleep was cancelled by the user"
