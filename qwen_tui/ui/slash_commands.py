"""What the app commands typed in the input (`/theme`, `/title`) do; `/save` is
`save_command.py`.

The commands that are also keys (`/new`, `/help`, `/copy`, ...) run the chat screen's
actions; these need an argument and touch only the app and the session.
"""

from __future__ import annotations

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


def show_system_prompt(app: App, prompt: str) -> None:
    """`/system` alone shows the system prompt the next turns send."""
    shown = repr(prompt) if prompt else "none"
    app.notify(
        f"System prompt: {shown}. /system TEXT sets it, /system --clear clears it.", markup=False
    )
