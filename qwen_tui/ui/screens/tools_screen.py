"""`/tools`: the tools the model may call, with their descriptions, and the servers that
failed to start and why."""

from __future__ import annotations

from collections.abc import Sequence

from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

from qwen_tui.chat.terminal_text import visible_controls
from qwen_tui.tools.server_tools import McpTool, ServerFailure

NO_SERVERS = (
    "No MCP servers are configured. Add [mcp_servers.NAME] to config.toml, or run "
    "`qwen-chat tools import FILE.json`, then start qwen-chat again."
)


def tools_sheet(
    tools: Sequence[McpTool], failures: Sequence[ServerFailure], *, configured: bool, starting: bool
) -> RenderableType:
    """The tools as a table, then the failed servers; names and descriptions come from the
    servers, so their controls show as marks."""
    if not configured:
        return Text(NO_SERVERS)
    parts: list[RenderableType] = []
    if starting:
        parts.append(Text("The MCP servers are still starting; /tools again shows them."))
    elif tools:
        table = Table(title=f"Tools ({len(tools)})", title_justify="left", expand=True)
        table.add_column("tool", style="bold", no_wrap=True)
        table.add_column("what it does")
        for tool in tools:
            table.add_row(visible_controls(tool.qualified_name), visible_controls(tool.description))
        parts.append(table)
    else:
        parts.append(Text("No tools: no MCP server started."))
    for failure in failures:
        line = f"✗ {failure.name} failed to start: {failure.reason}"
        parts += [Text(), Text(visible_controls(line), style="bold")]
    parts += [Text(), Text("Esc or Q closes this list.", style="dim")]
    return Group(*parts)


class ToolsScreen(ModalScreen[None]):
    """The tool list over the chat."""

    BINDINGS = [Binding("escape,q", "dismiss", "Close", show=False)]

    def __init__(self, sheet: RenderableType) -> None:
        super().__init__()
        self.sheet = sheet

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="tools-sheet"):
            yield Static(self.sheet, id="tools-text")
