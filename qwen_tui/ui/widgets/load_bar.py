"""The model's load progress, shown above the input until the engine is ready."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.widgets import Label, ProgressBar

from qwen_tui.chat.terminal_text import visible_controls
from qwen_tui.engine.events import LoadProgress


class LoadBar(Horizontal):
    """A label and a progress bar fed by the engine's `LoadProgress` events."""

    def compose(self) -> ComposeResult:
        yield Label("Starting the engine…", classes="load-label", markup=False)
        yield ProgressBar(show_eta=False, classes="load-progress")

    def advance(self, progress: LoadProgress) -> None:
        """Show how far loading got."""
        label = visible_controls(progress.message or "Loading the model")
        counts = progress_counts(progress)
        self.query_one(Label).update(f"{label}: {counts} · you can type meanwhile")
        self.query_one(ProgressBar).update(total=max(progress.total, 1), progress=progress.done)


def progress_counts(progress: LoadProgress) -> str:
    """'3.2/15.8 GiB' for bytes, '120/531 tensors' for anything counted."""
    if progress.unit == "bytes":
        return f"{progress.done / 2**30:.1f}/{progress.total / 2**30:.1f} GiB"
    return f"{progress.done:,}/{progress.total:,} {progress.unit}"
