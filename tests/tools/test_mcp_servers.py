"""Real MCP servers over stdio, through the `mcp` SDK: `mcp-server-time` from PyPI and the
tests' own server. Tools are listed as `server.tool`; calls answer, time out, raise or
kill their server, and every one of those comes back as a result, never a crash."""

from __future__ import annotations

import re
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from typer.testing import CliRunner

from qwen_tui.cli import app
from qwen_tui.tool_settings import McpServer, ToolSettings
from qwen_tui.tools import mcp_client
from qwen_tui.tools.hub import ToolHub
from tests.config_files import write_config

TEST_SERVER = str(Path(__file__).with_name("mcp_test_server.py"))
TIME = McpServer("time", sys.executable, ("-m", "mcp_server_time", "--local-timezone=UTC"))
TESTING = McpServer("testing", sys.executable, (TEST_SERVER,))
MISSING = McpServer("missing", "no-such-mcp-server-program")
BROKEN = McpServer(
    "broken", sys.executable, ("-c", "import sys; sys.exit('needs an API_KEY to start')")
)


@pytest.fixture(scope="module")
def hub():
    settings = ToolSettings(
        servers=(TIME, TESTING, MISSING, BROKEN), call_timeout=1.5, max_result_chars=200
    )
    with ToolHub(settings) as running:
        yield running


def test_tools_are_listed_with_their_server_description_and_schema(hub):
    names = [tool.qualified_name for tool in hub.tools]
    assert names[:2] == ["time.get_current_time", "time.convert_time"]
    assert set(names[2:]) == {f"testing.{n}" for n in ("echo", "sleep", "fail", "big", "die")}
    spec = hub.tool_specs()[0]
    assert spec["function"]["name"] == "time.get_current_time"
    assert spec["function"]["description"].startswith("Get current time")
    assert spec["function"]["parameters"]["required"] == ["timezone"]


def test_servers_that_fail_to_start_are_notices_saying_why(hub):
    failures = {f.name: f.reason for f in hub.failures}
    assert failures == {
        "missing": "no program 'no-such-mcp-server-program' was found; check 'command'",
        "broken": "Connection closed (it said: needs an API_KEY to start)",
    }


def test_a_call_answers_with_the_tools_text(hub):
    result = hub.call("time.get_current_time", {"timezone": "Asia/Tokyo"})
    assert not result.is_error
    assert '"timezone": "Asia/Tokyo"' in result.text and "+09:00" in result.text
    assert hub.call("testing.echo", {"text": "東京"}).text == "echo: 東京"


def test_wrong_arguments_and_unknown_tools_are_error_results(hub):
    wrong = hub.call("time.get_current_time", {})
    assert wrong.is_error and "timezone" in wrong.text and "Field required" in wrong.text
    unknown = hub.call("time.get_weather", {"city": "Paris"})
    assert unknown.is_error
    assert unknown.text.startswith("Error: there is no tool 'time.get_weather'; the tools are: ")
    assert hub.call("missing.anything", {}).is_error


def test_a_tool_that_raises_is_an_error_result(hub):
    result = hub.call("testing.fail", {"reason": "disk full"})
    # MCPServer keeps an unexpected exception's text to itself; the error is what it says.
    assert result.is_error and result.text == "Error executing tool fail"


def test_a_call_past_the_timeout_is_stopped_and_the_server_still_answers(hub):
    started = time.monotonic()
    result = hub.call("testing.sleep", {"seconds": 30})
    assert time.monotonic() - started < 5
    assert result.is_error
    assert result.text == "Error: testing.sleep did not finish within 1.5 s; it was stopped"
    assert hub.call("testing.echo", {"text": "still here"}).text == "echo: still here"


def test_cancel_stops_a_running_call_at_once(hub):
    results = []
    worker = threading.Thread(
        target=lambda: results.append(hub.call("testing.sleep", {"seconds": 30}))
    )
    started = time.monotonic()
    worker.start()
    time.sleep(0.5)
    hub.cancel()
    worker.join(timeout=5)
    assert time.monotonic() - started < 3
    assert (
        results[0].is_error and results[0].text == "Error: testing.sleep was cancelled by the user"
    )
    assert hub.call("testing.echo", {"text": "after"}).text == "echo: after"


def test_a_long_result_is_capped_and_says_so(hub):
    result = hub.call("testing.big", {"chars": 5000})
    assert result.text == "x" * 200 + "\n[result cut to 200 of 5,000 characters]"
    assert result.was_cut and result.full_chars == 5000


def test_tools_list_prints_each_servers_tools_and_the_failures():
    write_config(
        f"""
[mcp_servers.time]
command = {sys.executable!r}
args = ["-m", "mcp_server_time", "--local-timezone=UTC"]

[mcp_servers.missing]
command = "no-such-mcp-server-program"
"""
    )
    result = CliRunner().invoke(app, ["tools", "list"])
    lines = result.stdout.splitlines()
    assert lines[0] == "time: 2 tool(s)"
    assert re.fullmatch(
        r"  time\.get_current_time +Get current time in a specific timezone", lines[1]
    )
    assert re.fullmatch(r"  time\.convert_time +Convert time between timezones", lines[2])
    assert lines[3] == (
        "missing: failed to start: no program 'no-such-mcp-server-program' was found; "
        "check 'command'"
    )
    assert result.exit_code == 1


def test_tools_list_without_servers_says_how_to_add_them():
    result = CliRunner().invoke(app, ["tools", "list"])
    assert result.exit_code == 0
    assert result.stdout.startswith("No MCP servers configured. Add [mcp_servers.NAME] to ")


def test_a_server_that_dies_mid_call_is_an_error_result_and_the_rest_go_on():
    settings = ToolSettings(servers=(TESTING, TIME), call_timeout=5)
    with ToolHub(settings) as hub:
        died = hub.call("testing.die", {})
        assert died.is_error and died.text.startswith("Error: testing.die")
        assert hub.call("testing.echo", {"text": "x"}).is_error
        assert not hub.call("time.get_current_time", {"timezone": "UTC"}).is_error


def test_a_streamable_http_server_is_reached_by_its_url(tmp_path):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    process = subprocess.Popen(
        [sys.executable, TEST_SERVER, "--http", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                time.sleep(0.1)
        web = McpServer("web", url=f"http://127.0.0.1:{port}/mcp")
        with ToolHub(ToolSettings(servers=(web,))) as hub:
            assert hub.failures == ()
            assert "web.echo" in [tool.qualified_name for tool in hub.tools]
            assert hub.call("web.echo", {"text": "over http"}).text == "echo: over http"
    finally:
        process.terminate()
        process.wait(timeout=10)


def test_a_url_where_no_server_listens_is_a_notice():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    web = McpServer("web", url=f"http://127.0.0.1:{port}/mcp")
    with ToolHub(ToolSettings(servers=(web,))) as hub:
        assert hub.tools == ()
        [failure] = hub.failures
        assert failure.name == "web"
        assert failure.reason.startswith(f"could not reach http://127.0.0.1:{port}/mcp (")


def test_a_server_that_never_answers_fails_after_the_start_limit(monkeypatch):
    monkeypatch.setattr(mcp_client, "START_SECONDS", 1.0)
    silent = McpServer("silent", sys.executable, ("-c", "import time; time.sleep(60)"))
    started = time.monotonic()
    with ToolHub(ToolSettings(servers=(silent,))) as hub:
        assert time.monotonic() - started < 10
        assert [(f.name, f.reason) for f in hub.failures] == [
            ("silent", "it did not answer within 1 s")
        ]
        assert hub.tools == () and hub.call("silent.anything", {}).is_error
