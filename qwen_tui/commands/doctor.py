"""`qwen-chat doctor`: check the machine for the 30B model."""

from __future__ import annotations

from rich.console import Console
from rich.table import Table

from qwen_tui.commands.options import ModelOpt, settings_from_flags
from qwen_tui.commands.terminal import text_for_terminal


def doctor(model: ModelOpt = None) -> None:
    """Report Python, torch, CUDA, the GPU, the model's location and qwen-tui's directories."""
    # Imported here: the hub client it needs would slow every `qwen-chat` start by 0.6 s.
    from qwen_tui.doctor import run_checks

    checks, missing = run_checks(settings_from_flags(model=model))
    console = Console()
    table = Table(show_header=False, box=None)
    for check in checks:
        mark = "[green]✓[/]" if check.ok else "[red]✗[/]"
        # A value may quote the model's path or its config.json: text, never markup.
        table.add_row(mark, check.name, text_for_terminal(check.value))
    console.print(table)
    if missing:
        console.print("\n[bold]Missing for Qwen3-30B-A3B-GPTQ-Int4:[/]")
        for item in missing:
            console.print(text_for_terminal(f"  • {item}"))
    else:
        console.print("\n[green]Ready to run Qwen3-30B-A3B-GPTQ-Int4.[/]")
