"""Tool calls in sessions, end to end with a real MCP server: recorded, shown, exported,
resumed with, replayed (run again, denied, or from the recording) and played back as
they happened. Older files, without any of it, load as before."""

from __future__ import annotations

import json
import math
import queue
import sys

import pytest
from typer.testing import CliRunner

from qwen_tui.chat.messages import Role
from qwen_tui.cli import app
from qwen_tui.config import Settings
from qwen_tui.conversation.core import ConversationCore
from qwen_tui.conversation.playback import playback_turns, recorded_tools
from qwen_tui.conversation.updates import (
    ToolApprovalNeeded,
    ToolCallEnded,
    ToolCallStarted,
    TurnEnded,
)
from qwen_tui.engine.scripted.playback import PlaybackEngine
from qwen_tui.sessions.replay import answered_prompts, replay_start
from qwen_tui.tools.approval import DENIED_TEXT
from tests.config_files import write_config
from tests.recording_engine import RecordingEngine

TIME_SERVER = f"""
[mcp_servers.time]
command = {sys.executable!r}
args = ["-m", "mcp_server_time", "--local-timezone=UTC"]
"""
ASK = "What time is it now?"


def cli(*args: str):
    return CliRunner().invoke(app, list(args))


@pytest.fixture
def recorded(store):
    """A session of one tool-using turn, run with --yes against the time server."""
    write_config(TIME_SERVER)
    result = cli("run", "--engine", "demo", "--json", "--yes", ASK)
    assert result.exit_code == 0, result.output
    return store.load(json.loads(result.stdout)["session"])


def test_the_calls_results_and_offered_tools_are_recorded(recorded):
    messages = recorded.conversation.messages
    assert [m.role for m in messages] == [Role.USER, Role.ASSISTANT, Role.TOOL, Role.ASSISTANT]
    [call] = messages[1].tool_calls
    assert (call.name, call.arguments) == ("time.get_current_time", {"timezone": "UTC"})
    assert messages[1].content == "Let me check."
    result = messages[2]
    assert result.tool_name == call.name and result.ran and not result.is_error
    assert '"timezone": "UTC"' in result.content
    assert [t["function"]["name"] for t in recorded.tools] == [
        "time.get_current_time",
        "time.convert_time",
    ]
    # Each reply keeps its own timeline, tool messages none: playback lines up.
    assert len(recorded.timelines) == 2


def test_show_and_export_include_the_calls_and_results(recorded):
    shown = cli("sessions", "show", recorded.id)
    assert shown.exit_code == 0, shown.output
    assert '▸ time.get_current_time {"timezone": "UTC"}' in shown.stdout
    assert "time.get_current_time · " in shown.stdout and '"day_of_week"' in shown.stdout
    markdown = cli("sessions", "export", recorded.id, "--format", "md").stdout
    assert '- Tool call: `time.get_current_time {"timezone": "UTC"}`' in markdown
    assert "<summary>Tool result: time.get_current_time · " in markdown
    document = json.loads(cli("sessions", "export", recorded.id, "--format", "json").stdout)
    roles = [m["role"] for m in document["messages"]]
    assert roles == ["user", "assistant", "tool", "assistant"]
    assert document["messages"][1]["tool_calls"] == [
        {"name": "time.get_current_time", "arguments": {"timezone": "UTC"}}
    ]
    assert document["messages"][2]["name"] == "time.get_current_time"
    assert document["messages"][2]["ran"] is True


def test_resume_sends_the_calls_and_results_as_history(recorded, monkeypatch):
    import qwen_tui.engine.factory as factory

    engine = RecordingEngine()
    monkeypatch.setattr(factory, "create_engine", lambda settings: engine)
    result = cli("run", "--resume", recorded.id, "Thanks!")
    assert result.exit_code == 0, result.output
    sent = engine.requests[0].messages
    assert [m["role"] for m in sent] == ["user", "assistant", "tool", "assistant", "user"]
    assert sent[1]["tool_calls"][0]["function"]["arguments"] == {"timezone": "UTC"}
    assert sent[2]["content"] == recorded.conversation.messages[2].content
    assert engine.requests[0].tools  # the servers' tools are offered again


def test_replay_print_denies_without_yes_and_runs_with_it(recorded, store):
    denied = cli("replay", recorded.id, "--print", "--engine", "demo")
    assert denied.exit_code == 0, denied.output
    assert "qwen-chat: denied tool call time.get_current_time" in denied.stderr
    assert DENIED_TEXT in denied.stdout
    ran = cli("replay", recorded.id, "--print", "--engine", "demo", "--yes")
    assert ran.exit_code == 0, ran.output
    assert "denied" not in ran.stderr and '"day_of_week"' in ran.stdout


def test_replay_with_recorded_tools_gives_the_recorded_results_and_runs_nothing(recorded, store):
    write_config("")  # no server at all: the result can only come from the recording
    result = cli("replay", recorded.id, "--print", "--engine", "demo", "--recorded-tools")
    assert result.exit_code == 0, result.output
    recorded_result = recorded.conversation.messages[2].content
    assert '▸ time.get_current_time {"timezone": "UTC"} · ' in result.stdout
    [replay_id] = [i for i in store.ids() if i != recorded.id]
    replayed = store.load(replay_id).conversation.messages
    assert replayed[2].content == recorded_result and replayed[2].ran
    assert replayed[3].content == recorded.conversation.messages[3].content


def test_play_shows_each_call_and_its_recorded_result_as_it_happened(recorded):
    events: queue.Queue = queue.Queue()
    engine = PlaybackEngine(playback_turns(recorded, with_calls=True), speed=math.inf)
    core = ConversationCore(
        engine,
        Settings(),
        replay_start(recorded),
        queued=tuple(answered_prompts(recorded)),
        tools=recorded_tools(recorded, events.put, speed=math.inf),
    )
    engine.start(events.put)
    updates: list = []
    while not any(isinstance(u, TurnEnded) and u.last_step for u in updates):
        updates += core.handle(events.get(timeout=10))
    assert not [u for u in updates if isinstance(u, ToolApprovalNeeded)]  # nothing runs
    [started] = [u for u in updates if isinstance(u, ToolCallStarted)]
    [ended] = [u for u in updates if isinstance(u, ToolCallEnded)]
    original = recorded.conversation.messages
    assert started.call == original[1].tool_calls[0]
    assert ended.result_message == original[2]
    assert [(m.role, m.content) for m in core.conversation.messages] == [
        (m.role, m.content) for m in original
    ]
    engine.close()


def test_a_tool_line_edited_wrong_is_named_not_a_traceback(recorded):
    lines = recorded.path.read_text(encoding="utf-8").splitlines()
    number = next(i for i, line in enumerate(lines, 1) if json.loads(line)["type"] == "tool")
    broken = json.loads(lines[number - 1]) | {"seconds": "soon"}
    lines[number - 1] = json.dumps(broken)
    recorded.path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    result = cli("sessions", "show", recorded.id)
    assert result.exit_code != 0
    [line] = result.stderr.strip().splitlines()
    assert f"line {number}" in line and "'seconds' must be a number" in line
