"""`qwen-chat tools import|list`: configure MCP servers and see the tools they offer."""

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
