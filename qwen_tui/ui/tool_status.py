"""What the chat says about its tools: the status bar's field, the notices for servers
that failed to start, the state while calls run, and the `/tools` sheet."""

from __future__ import annotations

from textual.app import App

from qwen_tui.chat.terminal_text import visible_controls
from qwen_tui.conversation.core import ConversationCore
from qwen_tui.conversation.tool_runner import ToolSummary
from qwen_tui.ui.screens.tools_screen import ToolsScreen, tools_sheet
from qwen_tui.ui.tool_servers import ToolServers


def _count(number: int, noun: str) -> str:
    return f"{number} {noun}{'' if number == 1 else 's'}"


def tools_field(summary: ToolSummary, starting: bool) -> str:
    """ "5 tools · 2 servers · 1 failed", or "tools starting…"."""
    if starting:
        return "tools starting…"
    text = f"{_count(len(summary.tools), 'tool')} · {_count(len(summary.servers), 'server')}"
    return text + (f" · {len(summary.failures)} failed" if summary.failures else "")


def tool_state(core: ConversationCore) -> str:
    """The status bar's state while the tool loop handles a reply's calls."""
    round_ = core.tool_loop.round
    return "waiting for your approval" if round_ is not None and round_.asking else "running a tool"


def announce_failures(app: App, summary: ToolSummary, problem: str) -> None:
    """A notice for each server that did not start (and for a hub that could not)."""
    for failure in summary.failures:
        text = f"MCP server {failure.name} failed to start: {failure.reason}"
        app.notify(
            visible_controls(text), title="Tools", severity="warning", timeout=10, markup=False
        )
    if problem:
        app.notify(
            visible_controls(problem), title="Tools", severity="error", timeout=10, markup=False
        )


def show_tools(app: App, core: ConversationCore, servers: ToolServers | None) -> None:
    """`/tools`: the tools on offer, with their descriptions, and the servers that failed."""
    summary = core.tool_summary()
    sheet = tools_sheet(
        summary.tools,
        summary.failures,
        configured=servers is not None,
        starting=servers is not None and servers.starting,
    )
    app.push_screen(ToolsScreen(sheet))
