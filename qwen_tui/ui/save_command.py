"""`/save [FILE]`: export the conversation being recorded, with `sessions export -o`'s guards.

Never into the sessions directory, never over a directory, and a file that exists is
replaced only after the user says so. The notice names the absolute path written.
"""

from __future__ import annotations

from pathlib import Path

from textual.screen import Screen

from qwen_tui.sessions import SessionError, SessionRecorder
from qwen_tui.sessions.export import export_session, format_for
from qwen_tui.sessions.export_target import ExportTarget, export_target, write_export
from qwen_tui.sessions.loader import load_session_file
from qwen_tui.ui.screens.confirm_screen import ConfirmScreen


def save_conversation(screen: Screen, recorder: SessionRecorder | None, target: str) -> None:
    """Write the session of `recorder` to `target` (default `<id>.md`): Markdown for a .md
    name, JSON for .json; another name is refused."""
    if recorder is None or not recorder.written:
        screen.notify("Nothing saved in this session yet; send a message first.")
        return
    try:
        checked = export_target(Path(target or f"{recorder.session_id}.md"))
        fmt = format_for(checked.path)
    except (SessionError, ValueError) as exc:
        screen.notify(f"Not saved: {exc}", severity="error", timeout=10)
        return
    if not checked.exists:
        _write(screen, recorder, checked, fmt)
        return

    def answered(yes: bool | None) -> None:
        if yes:
            _write(screen, recorder, checked, fmt)
        else:
            screen.notify(f"Kept {checked.path}; nothing saved.")

    question = f"{checked.path} exists. Replace it with this conversation?"
    screen.app.push_screen(ConfirmScreen("Replace file", question, yes="Replace"), answered)


def _write(screen: Screen, recorder: SessionRecorder, target: ExportTarget, fmt: str) -> None:
    try:
        write_export(target.path, export_session(load_session_file(recorder.path), fmt))
    except (OSError, SessionError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else exc
        screen.notify(f"Could not save to {target.path}: {reason}", severity="error")
        return
    screen.notify(f"Saved the conversation to {target.path}.")
