"""A reply's calls are run, denied or refused as the user and the config say, against a
real MCP server; every outcome is a result the model reads, in the order of the calls."""

from __future__ import annotations

import sys

import pytest

from qwen_tui.tool_settings import McpServer, ToolSettings
from qwen_tui.tools.approval import DENIED_TEXT, Answer, ApprovalPolicy
from qwen_tui.tools.calls import MalformedToolCall, ToolCall
from qwen_tui.tools.hub import ToolHub
from qwen_tui.tools.steps import result_messages, run_calls

TOKYO = ToolCall("time.get_current_time", {"timezone": "Asia/Tokyo"})
CONVERT = ToolCall(
    "time.convert_time",
    {"source_timezone": "UTC", "time": "12:00", "target_timezone": "Asia/Tokyo"},
)


@pytest.fixture(scope="module")
def hub():
    server = McpServer("time", sys.executable, ("-m", "mcp_server_time", "--local-timezone=UTC"))
    with ToolHub(ToolSettings(servers=(server,))) as running:
        yield running


def never_asked(call):
    raise AssertionError(f"asked about {call.name}")


def test_run_without_yes_denies_and_the_model_is_told(hub):
    steps = run_calls([TOKYO], hub, ApprovalPolicy(), ask=lambda call: Answer.DENY)
    assert [(s.ran, s.result.text) for s in steps] == [(False, DENIED_TEXT)]
    assert result_messages(steps) == [{"role": "tool", "content": DENIED_TEXT}]


def test_yes_runs_every_call_without_asking(hub):
    steps = run_calls([TOKYO, CONVERT], hub, ApprovalPolicy(assume_yes=True), ask=never_asked)
    assert [s.ran for s in steps] == [True, True]
    assert '"timezone": "Asia/Tokyo"' in steps[0].result.text
    assert "21:00" in steps[1].result.text


def test_allowed_in_config_runs_the_rest_ask(hub):
    asked = []
    policy = ApprovalPolicy(["time.get_current_time"])
    steps = run_calls([TOKYO, CONVERT], hub, policy, ask=lambda c: asked.append(c) or Answer.DENY)
    assert asked == [CONVERT]
    assert [s.ran for s in steps] == [True, False]


def test_once_asks_again_next_time_always_does_not(hub):
    policy, asked = ApprovalPolicy(), []

    def answer(with_):
        return lambda call: asked.append(call.name) or with_

    run_calls([TOKYO], hub, policy, ask=answer(Answer.ONCE))
    run_calls([TOKYO], hub, policy, ask=answer(Answer.ALWAYS))
    steps = run_calls([TOKYO], hub, policy, ask=never_asked)
    assert asked == ["time.get_current_time", "time.get_current_time"]
    assert steps[0].ran and not steps[0].result.is_error


def test_malformed_and_unknown_calls_are_error_results_in_order(hub):
    broken = MalformedToolCall(
        '{"name": ', "the tool call is not valid JSON (Expecting value at 9)"
    )
    unknown = ToolCall("time.get_weather", {})
    steps = run_calls([broken, unknown, TOKYO], hub, ApprovalPolicy(assume_yes=True), never_asked)
    texts = [m["content"] for m in result_messages(steps)]
    assert texts[0] == "Error: the tool call is not valid JSON (Expecting value at 9)"
    assert texts[1].startswith("Error: there is no tool 'time.get_weather'")
    assert '"timezone": "Asia/Tokyo"' in texts[2]
    assert [s.ran for s in steps] == [False, True, True]
