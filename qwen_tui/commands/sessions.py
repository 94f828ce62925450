"""`qwen-chat sessions list|show|search|export|delete`: find and manage saved sessions.

This is the command group; each command lives in its own module: `session_list.py`
(also what `sessions` alone shows), `session_show.py`, `session_search.py` and
`session_manage.py` (export, delete). Everything a session holds is shown through
`visible_controls` (or, for Markdown, its parsed form): a title, a model name or a reply
never drives the terminal. `export -o` writes the exact text; export to stdout is shown
safe, JSON by its own escapes.
"""

from __future__ import annotations

import typer

from qwen_tui.commands.session_list import list_sessions
from qwen_tui.commands.session_manage import delete, export
from qwen_tui.commands.session_search import search
from qwen_tui.commands.session_show import show

app = typer.Typer(
    name="sessions",
    help="List, show, search, export and delete saved sessions (alone: list them).",
    no_args_is_help=False,
    add_completion=False,
)


@app.callback(invoke_without_command=True)
def sessions(ctx: typer.Context) -> None:
    """List, show, search, export and delete saved sessions; with no command, list them."""
    if ctx.invoked_subcommand is None:
        list_sessions()


app.command("list")(list_sessions)
app.command()(show)
app.command()(search)
app.command()(export)
app.command()(delete)
