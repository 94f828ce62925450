"""The chat's tools on screen: starting the servers, the status bar's field, the notices
for servers that failed to start, and the `/tools` sheet."""

from __future__ import annotations

import asyncio

from textual.app import App

from qwen_tui.chat.terminal_text import visible_controls
from qwen_tui.conversation.core import ConversationCore
from qwen_tui.conversation.tool_runner import ToolSummary
from qwen_tui.ui.screens.chat_screen import ChatScreen
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


def start_tool_servers(
    app: App, servers: ToolServers, core: ConversationCore, screen: ChatScreen
) -> None:
    """Start `servers` on a worker thread; their calls' results go to `screen`'s bridge,
    and once they are up the status bar counts their tools and failures are notices."""
    servers.connect(screen.bridge.sink)
    status = screen.view.status
    status.tools = tools_field(core.tool_summary(), starting=True)

    async def start() -> None:
        # The servers start on a thread; what follows runs on the UI's loop again.
        problem = await asyncio.to_thread(servers.start)
        summary = core.tool_summary()
        status.tools = tools_field(summary, starting=False)
        announce_failures(app, summary, problem)

    app.run_worker(start(), exit_on_error=False, group="tools")


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
