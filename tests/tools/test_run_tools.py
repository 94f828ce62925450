"""`qwen-chat run` with a real MCP server configured: it never asks; calls are denied
(one line on stderr each) unless `--yes` or the config allows the tool; each call is a
line on stderr, or `tool_calls` in `--json`; the session keeps the calls and results."""

from __future__ import annotations

import json
import sys

from typer.testing import CliRunner

from qwen_tui.chat.messages import Role
from qwen_tui.chat.tools_section import tools_section
from qwen_tui.cli import app
from qwen_tui.config import load_settings
from qwen_tui.engine.scripted.demo_replies import count_tokens
from qwen_tui.sessions import SessionStore
from qwen_tui.tools.approval import DENIED_TEXT
from qwen_tui.tools.hub import ToolHub
from tests.config_files import write_config

TIME_SERVER = f"""
[mcp_servers.time]
command = {sys.executable!r}
args = ["-m", "mcp_server_time", "--local-timezone=UTC"]
"""
ASK = "What time is it now?"
CALL = 'time.get_current_time {"timezone": "UTC"}'


def run(*args: str):
    return CliRunner().invoke(app, ["run", "--engine", "demo", *args])


def test_yes_runs_the_call_and_the_answer_uses_its_result():
    write_config(TIME_SERVER)
    result = run("--yes", ASK)
    assert result.exit_code == 0, result.output
    first, *rest = result.stdout.splitlines()
    assert first == "Let me check."
    assert "The tool says:" in rest and '"timezone": "UTC",' in result.stdout
    [line] = [line for line in result.stderr.splitlines() if line.startswith("▸")]
    assert line.startswith(f"▸ {CALL} · ") and line.endswith(" s")
    assert "denied" not in result.stderr


def test_without_yes_the_call_is_denied_on_stderr_and_the_model_told():
    write_config(TIME_SERVER)
    result = run(ASK)
    assert result.exit_code == 0, result.output
    assert (
        f"qwen-chat: denied tool call {CALL}; pass --yes, or allow time.get_current_time "
        "in config ([tools] allow)"
    ) in result.stderr.splitlines()
    assert f"▸ {CALL} · {DENIED_TEXT}" in result.stderr.splitlines()
    assert DENIED_TEXT in result.stdout
    assert '"datetime"' not in result.stdout


def test_a_tool_allowed_in_config_runs_without_yes():
    write_config(TIME_SERVER + '\n[tools]\nallow = ["time.get_current_time"]\n')
    result = run(ASK)
    assert result.exit_code == 0, result.output
    assert "denied" not in result.stderr and '"datetime"' in result.stdout


def test_json_reports_the_calls_and_the_final_answer():
    write_config(TIME_SERVER)
    result = run("--json", "--yes", ASK)
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    [call] = report["tool_calls"]
    assert (call["name"], call["arguments"], call["ran"]) == (
        "time.get_current_time",
        {"timezone": "UTC"},
        True,
    )
    assert '"timezone": "UTC"' in call["result"]
    assert report["answer"].startswith("The tool says:")
    assert not [line for line in result.stderr.splitlines() if line.startswith("▸")]


def test_json_counts_the_offered_tools_in_the_prompt_tokens():
    question = "How do I reverse a string?"  # no call: one reply, one prompt
    without = json.loads(run("--json", "--no-save", question).stdout)
    write_config(TIME_SERVER)
    offered = json.loads(run("--json", "--no-save", question).stdout)
    with ToolHub(load_settings().tools) as hub:
        section = tools_section(hub.tool_specs())
    added = offered["stats"]["prompt_tokens"] - without["stats"]["prompt_tokens"]
    assert added == count_tokens(section) > 100
    assert offered["answer"] == without["answer"]


def test_the_session_keeps_the_call_and_its_result():
    write_config(TIME_SERVER)
    result = run("--json", "--yes", ASK)
    session = SessionStore().load(json.loads(result.stdout)["session"])
    messages = session.conversation.messages
    assert [m.role for m in messages] == [Role.USER, Role.ASSISTANT, Role.TOOL, Role.ASSISTANT]
    assert messages[1].tool_calls[0].arguments == {"timezone": "UTC"}
    assert messages[2].tool_name == "time.get_current_time" and messages[2].ran
    assert messages[3].content == json.loads(result.stdout)["answer"]


def test_a_server_that_fails_to_start_is_a_warning_and_the_answer_comes():
    write_config('[mcp_servers.gone]\ncommand = "no-such-mcp-server-program"\n')
    result = run("How do I reverse a string?")
    assert result.exit_code == 0, result.output
    assert result.stderr.splitlines()[0] == (
        "qwen-chat: warning: MCP server gone did not start: no program "
        "'no-such-mcp-server-program' was found; check 'command'"
    )
    assert result.stdout.strip()
