"""What the app commands typed in the input (`/theme`, `/save`, `/title`) do.

The commands that are also keys (`/new`, `/help`, `/copy`, ...) run the chat screen's
actions; these three need an argument and touch only the app and the session.
"""

from __future__ import annotations

from pathlib import Path

from textual.app import App

from qwen_tui.sessions import SessionRecorder
from qwen_tui.ui.screens.confirm_screen import ConfirmScreen


def set_theme(app: App, name: str) -> None:
    """`/theme NAME` switches the theme; `/theme` alone lists them."""
    themes = sorted(app.available_themes)
    if not name:
        app.notify("Themes: " + ", ".join(themes), title=f"Theme: {app.theme}")
    elif name not in themes:
        app.notify(f"No theme {name!r}; /theme lists them.", severity="warning", markup=False)
    else:
        app.theme = name


def save_session(app: App, recorder: SessionRecorder | None, target: str) -> None:
    """`/save [FILE]` writes the session as Markdown (.md) or JSON (.json), asking before it
    replaces a file; the notice gives the full path."""
    from qwen_tui.sessions.export import format_for

    if recorder is None or not recorder.written:
        app.notify("Nothing saved in this session yet; send a message first.")
        return
    path = Path(target or f"{recorder.session_id}.md").expanduser().absolute()
    try:
        fmt = format_for(path)
    except ValueError as exc:
        app.notify(f"Not saved: {exc}.", severity="warning", markup=False)
        return
    if not path.exists():
        _write_export(app, recorder, path, fmt)
        return

    def answered(replace: bool | None) -> None:
        if replace:
            _write_export(app, recorder, path, fmt)

    question = f"{path} exists. Replace it with this conversation?"
    app.push_screen(ConfirmScreen("Save the conversation", question, yes="Replace"), answered)


def _write_export(app: App, recorder: SessionRecorder, path: Path, fmt: str) -> None:
    from qwen_tui.sessions import SessionError
    from qwen_tui.sessions.export import export_session
    from qwen_tui.sessions.loader import load_session_file

    try:
        text = export_session(load_session_file(recorder.path), fmt)
        path.write_text(text, encoding="utf-8")
    except (OSError, ValueError, SessionError) as exc:
        app.notify(f"Could not save to {path}: {exc}", severity="error", markup=False)
        return
    app.notify(f"Saved the conversation to {path}.", markup=False)


def name_session(app: App, recorder: SessionRecorder | None, title: str) -> None:
    """`/title TEXT` names the session."""
    if not title.strip():
        app.notify("Usage: /title TEXT", severity="warning")
    elif recorder is None:
        app.notify("This conversation is not being saved.", severity="warning")
    else:
        try:
            recorder.rename(title)
        except (OSError, ValueError) as exc:
            app.notify(f"Could not rename the session: {exc}", severity="error", markup=False)
            return
        app.notify(f"Session named {title.strip()!r}.", markup=False)
