"""MCP servers and tool limits in config.toml: read, checked with one-line errors, and
imported from Claude Desktop / Qwen-Agent files without losing the rest of the config."""

from __future__ import annotations

import json
import tomllib

import pytest
from typer.testing import CliRunner

from qwen_tui import locations
from qwen_tui.cli import app
from qwen_tui.config import ConfigError, load_settings
from qwen_tui.tool_settings import McpServer, ToolSettings
from tests.config_files import write_config

CONFIG = """\
model = "/models/qwen3"

[sampling]
temperature = 0.5

[mcp_servers.time]
command = "uvx"
args = ["mcp-server-time", "--local-timezone=Europe/London"]
env = { API_TOKEN = "secret-value" }

[mcp_servers.search]
url = "http://localhost:9000/mcp"

[tools]
allow = ["time.get_current_time"]
max_tool_steps = 4
call_timeout = 2.5
max_result_chars = 500
"""


def test_servers_and_limits_come_from_the_config_file():
    write_config(CONFIG)
    tools = load_settings().tools
    assert tools.servers == (
        McpServer(
            "time",
            "uvx",
            ("mcp-server-time", "--local-timezone=Europe/London"),
            (("API_TOKEN", "secret-value"),),
        ),
        McpServer("search", url="http://localhost:9000/mcp"),
    )
    assert (tools.allow, tools.max_tool_steps, tools.call_timeout, tools.max_result_chars) == (
        ("time.get_current_time",),
        4,
        2.5,
        500,
    )


def test_defaults_without_tool_config():
    assert load_settings().tools == ToolSettings()
    assert (ToolSettings().max_tool_steps, ToolSettings().call_timeout) == (10, 60.0)


def test_sessions_record_the_env_names_never_their_values():
    write_config(CONFIG)
    record = load_settings().as_record()["tools"]
    assert record["servers"]["time"]["env"] == ["API_TOKEN"]
    assert "secret-value" not in json.dumps(record)


@pytest.mark.parametrize(
    ("table", "problem"),
    [
        ("mcp_servers = 3", "key 'mcp_servers' must be a table ([mcp_servers.NAME])"),
        (
            "[mcp_servers.time]\nargs = []",
            "[mcp_servers.time] needs either 'command' (stdio) or 'url' (streamable HTTP)",
        ),
        (
            "[mcp_servers.time]\ncommand = 'uvx'\nurl = 'http://x'",
            "[mcp_servers.time] needs either 'command' (stdio) or 'url' (streamable HTTP)",
        ),
        (
            "[mcp_servers.time]\ncommand = 'uvx'\nargs = 'mcp-server-time'",
            "key 'mcp_servers.time.args' must be a list of strings",
        ),
        (
            "[mcp_servers.time]\ncommand = 'uvx'\nenv = { TZ = 1 }",
            "key 'mcp_servers.time.env' must be a table of strings, such as { TZ = \"UTC\" }",
        ),
        (
            "[mcp_servers.time]\ncommand = 'uvx'\nhost = 'x'",
            "unknown key 'mcp_servers.time.host'; use command, args and env, or url",
        ),
        (
            "[mcp_servers.web]\nurl = 'ftp://x'",
            "key 'mcp_servers.web.url' must be an http:// or https:// URL, got 'ftp://x'",
        ),
        (
            "[mcp_servers.'my.time']\ncommand = 'uvx'",
            "server name 'my.time' may hold only letters, digits, - and _; rename it",
        ),
        (
            "[tools]\nmax_tool_steps = 0",
            "key 'tools.max_tool_steps' must be a whole number of at least 1, got 0",
        ),
        ("[tools]\ncall_timeout = -1", "key 'tools.call_timeout' must be seconds above 0, got -1"),
        (
            "[tools]\ncall_timeout = nan",
            "key 'tools.call_timeout' must be seconds above 0, got nan",
        ),
        (
            "[tools]\nmax_result_chars = 10",
            "key 'tools.max_result_chars' must be a whole number of at least 100, got 10",
        ),
        (
            "[tools]\nallow = 'time'",
            "key 'tools.allow' must be a list of tool names such as [\"time.get_current_time\"]",
        ),
        (
            "[tools]\nmax_steps = 3",
            "unknown key 'tools.max_steps'; use one of allow, call_timeout, max_result_chars, "
            "max_tool_steps",
        ),
    ],
)
def test_bad_tool_config_is_one_line_saying_what_to_fix(table, problem):
    path = write_config(table + "\n")
    with pytest.raises(ConfigError) as caught:
        load_settings()
    assert str(caught.value) == f"{path}: {problem}"
    result = CliRunner().invoke(app, ["run", "--engine", "demo", "--no-save", "Hello"])
    assert result.exit_code == 2
    assert result.stderr.splitlines() == [f"qwen-chat: error: {path}: {problem}"]


CLAUDE_DESKTOP = {
    "mcpServers": {
        "time": {"command": "uvx", "args": ["mcp-server-time"], "env": {"TZ": "UTC"}},
        "remote": {"type": "streamable-http", "url": "https://tools.example/mcp"},
    },
    "globalShortcut": "Ctrl+Space",
}


def test_import_writes_the_servers_and_keeps_the_users_config(tmp_path):
    write_config(CONFIG.replace('[mcp_servers.search]\nurl = "http://localhost:9000/mcp"\n', ""))
    source = tmp_path / "claude_desktop_config.json"
    source.write_text(json.dumps(CLAUDE_DESKTOP), encoding="utf-8")
    result = CliRunner().invoke(app, ["tools", "import", str(source)])
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines()[0] == (
        f"Imported 2 MCP server(s) into {locations.config_file()}: time, remote (replaced: time)"
    )
    data = tomllib.loads(locations.config_file().read_text(encoding="utf-8"))
    assert data["mcp_servers"] == {
        "time": {"command": "uvx", "args": ["mcp-server-time"], "env": {"TZ": "UTC"}},
        "remote": {"url": "https://tools.example/mcp"},
    }
    settings = load_settings()
    assert settings.model == "/models/qwen3" and settings.sampling.temperature == 0.5
    assert settings.tools.allow == ("time.get_current_time",)
    assert settings.tools.max_tool_steps == 4


@pytest.mark.parametrize(
    ("content", "problem"),
    [
        ("{not json", "not valid JSON (Expecting property name enclosed in double quotes, line 1)"),
        ('{"servers": {}}', 'no "mcpServers" object; give a Claude Desktop or Qwen-Agent file'),
        (
            '{"mcpServers": {"s": {"type": "sse", "url": "http://x/sse"}}}',
            "server 's' uses SSE; only stdio and streamable HTTP are supported",
        ),
        (
            '{"mcpServers": {"s": {"command": "x", "cwd": "/tmp"}}}',
            "unknown key 'mcp_servers.s.cwd'; use command, args and env, or url",
        ),
        ('{"mcpServers": {}}', 'its "mcpServers" is empty; there is nothing to import'),
    ],
)
def test_a_file_that_cannot_be_imported_is_one_line_and_changes_nothing(tmp_path, content, problem):
    path = write_config(CONFIG)
    source = tmp_path / "servers.json"
    source.write_text(content, encoding="utf-8")
    result = CliRunner().invoke(app, ["tools", "import", str(source)])
    assert result.exit_code == 2
    assert result.stderr.splitlines() == [f"qwen-chat: error: {source}: {problem}"]
    assert path.read_text(encoding="utf-8") == CONFIG


def test_import_over_a_broken_config_refuses_instead_of_overwriting(tmp_path):
    path = write_config("theme = \n")
    source = tmp_path / "servers.json"
    source.write_text(json.dumps(CLAUDE_DESKTOP), encoding="utf-8")
    result = CliRunner().invoke(app, ["tools", "import", str(source)])
    assert result.exit_code == 2 and "not valid TOML" in result.stderr
    assert path.read_text(encoding="utf-8") == "theme = \n"


def test_a_session_saved_with_servers_configured_loads_and_keeps_no_secrets():
    write_config(CONFIG)
    result = CliRunner().invoke(app, ["run", "--engine", "demo", "Hello"])
    assert result.exit_code == 0, result.stderr
    [saved] = (locations.sessions_dir()).glob("*.jsonl")
    assert "secret-value" not in saved.read_text(encoding="utf-8")
    header = json.loads(saved.read_text(encoding="utf-8").splitlines()[0])
    assert header["settings"]["tools"]["servers"]["time"]["env"] == ["API_TOKEN"]
    shown = CliRunner().invoke(app, ["sessions", "show", saved.stem])
    assert shown.exit_code == 0 and "Hello" in shown.stdout
