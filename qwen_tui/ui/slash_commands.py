"""What the app commands typed in the input (`/theme`, `/save`, `/title`) do.

The commands that are also keys (`/new`, `/help`, `/copy`, ...) run the chat screen's
actions; these three need an argument and touch only the app and the session.
"""

from __future__ import annotations

from pathlib import Path

from textual.app import App

from qwen_tui.sessions import SessionRecorder


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
    """`/save [FILE]` writes the session, as Markdown or (for a .json name) JSON."""
    from qwen_tui.sessions.export import export_session
    from qwen_tui.sessions.loader import load_session_file

    if recorder is None or not recorder.written:
        app.notify("Nothing saved in this session yet; send a message first.")
        return
    path = Path(target or f"{recorder.session_id}.md").expanduser()
    try:
        session = load_session_file(recorder.path)
        text = export_session(session, "json" if path.suffix == ".json" else "md")
        path.write_text(text, encoding="utf-8")
    except (OSError, ValueError) as exc:
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
