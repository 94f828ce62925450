"""Ctrl+E: the message being typed, written in the user's editor with the terminal handed
over (`App.suspend`), then back in the input to read over before Enter sends it."""

from __future__ import annotations

import os

from textual.app import App, SuspendNotSupported

from qwen_tui.external_editor import EditorFailed, edit_text, editor_command
from qwen_tui.ui.widgets.prompt_input import PromptInput


def compose_in_editor(app: App, prompt: PromptInput) -> None:
    """Edit `prompt`'s text in $EDITOR (see `external_editor`). A missing or failing
    editor is one notice, and the input keeps its text."""
    environ = dict(os.environ)
    try:
        command = editor_command(environ)
    except EditorFailed as exc:
        app.notify(str(exc), severity="warning", markup=False)
        return
    failure: EditorFailed | None = None
    edited = prompt.text
    try:
        with app.suspend():
            # Nothing may escape the block: the app resumes only when it ends normally.
            try:
                edited = edit_text(prompt.text, command, environ)
            except EditorFailed as exc:
                failure = exc
    except SuspendNotSupported:
        app.notify(
            "This terminal cannot be handed to an editor; type the message here.",
            severity="warning",
        )
        return
    if failure is not None:
        app.notify(str(failure), severity="warning", markup=False)
        return
    prompt.text = edited  # shown, and sent, with its control characters as marks
    prompt.move_cursor(prompt.document.end)
    prompt.focus()
