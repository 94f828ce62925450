"""`qwen-chat doctor`: check the machine for the model it is given (the 30B by default)."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.console import Console
from rich.table import Table
from rich.text import Text

from qwen_tui.commands.options import ModelOpt, settings_from_flags
from qwen_tui.commands.terminal import text_for_terminal
from qwen_tui.library_output import route_library_output

MARKS = {True: "[green]✓[/]", False: "[red]✗[/]", None: "[dim]·[/]"}


def doctor(model: ModelOpt = None) -> None:
    """Report Python, torch, CUDA, the GPU, the model's location and needs, and qwen-tui's
    files; exit 1 when a check fails."""
    # Imported here: the hub client it needs would slow every `qwen-chat` start by 0.6 s.
    from qwen_tui.doctor import run_checks

    route_library_output()  # torch's warnings (e.g. a CUDA driver too old) go to the log
    settings = settings_from_flags(model=model)
    checks, missing = run_checks(settings)
    console = Console(highlight=False)
    table = Table(show_header=False, box=None)
    for check in checks:
        # A value may quote the model's path or its config.json: text, never markup.
        table.add_row(MARKS[check.ok], check.name, text_for_terminal(check.value))
    console.print(table)
    name = Path(settings.model).name or settings.model
    if missing:
        console.print(Text(f"\nMissing for {name}:", style="bold"))
        for item in missing:
            console.print(text_for_terminal(f"  • {item}"))
    else:
        console.print(Text(f"\nReady to run {name}.", style="green"))
    if any(check.ok is False for check in checks):
        raise typer.Exit(1)
