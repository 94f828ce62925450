"""`qwen-chat tools import|list`: configure MCP servers and see the tools they offer.

Server names, tool names and descriptions come from the servers, so they are shown
through `visible_controls`: a server cannot drive the terminal.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from qwen_tui import locations
from qwen_tui.chat.terminal_text import visible_controls
from qwen_tui.commands.session_helpers import fail
from qwen_tui.config import ConfigError, load_settings, save_setting
from qwen_tui.tools.importing import read_mcp_servers

app = typer.Typer(
    name="tools",
    help="Configure MCP servers ([mcp_servers.NAME] in config.toml) and list their tools.",
    no_args_is_help=True,
    add_completion=False,
)


@app.command("import")
def import_servers(
    file: Annotated[
        Path, typer.Argument(help='A Claude Desktop or Qwen-Agent {"mcpServers": ...} JSON file.')
    ],
) -> None:
    """Add the file's MCP servers to config.toml, keeping the rest of the config."""
    try:
        imported = read_mcp_servers(file)
    except ValueError as exc:
        raise fail(str(exc)) from None
    if not imported:
        raise fail(f'{file}: its "mcpServers" is empty; there is nothing to import')
    try:
        servers = {server.name: server for server in load_settings().tools.servers}
        replaced = [server.name for server in imported if server.name in servers]
        servers |= {server.name: server for server in imported}
        save_setting("mcp_servers", {name: server.as_table() for name, server in servers.items()})
    except ConfigError as exc:
        raise fail(str(exc)) from None
    names = ", ".join(server.name for server in imported)
    note = f" (replaced: {', '.join(replaced)})" if replaced else ""
    typer.echo(
        visible_controls(
            f"Imported {len(imported)} MCP server(s) into {locations.config_file()}: {names}{note}"
        )
    )
    typer.echo("See their tools with `qwen-chat tools list`.")


@app.command("list")
def list_tools() -> None:
    """Start each configured MCP server and list its tools; say which failed and why
    (the exit status is 1 when any did)."""
    try:
        settings = load_settings().tools
    except ConfigError as exc:
        raise fail(str(exc)) from None
    if not settings.servers:
        typer.echo(
            f"No MCP servers configured. Add [mcp_servers.NAME] to {locations.config_file()} "
            "or run `qwen-chat tools import FILE.json`."
        )
        return
    from qwen_tui.tools.hub import ToolHub  # the MCP SDK loads only for this command

    with ToolHub(settings) as hub:
        failures = {failure.name: failure.reason for failure in hub.failures}
        for server in settings.servers:
            if server.name in failures:
                typer.echo(
                    visible_controls(f"{server.name}: failed to start: {failures[server.name]}")
                )
                continue
            tools = [tool for tool in hub.tools if tool.server == server.name]
            typer.echo(visible_controls(f"{server.name}: {len(tools)} tool(s)"))
            width = max((len(tool.qualified_name) for tool in tools), default=0)
            for tool in tools:
                summary = tool.description.strip().split("\n", 1)[0]
                typer.echo(visible_controls(f"  {tool.qualified_name:<{width}}  {summary}"))
    if failures:
        raise typer.Exit(1)
