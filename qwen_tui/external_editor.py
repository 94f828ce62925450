"""Writing a message in the user's own editor: $EDITOR, then $VISUAL, then nano or vi.

`editor_command` finds the editor before anything else happens, so a missing one costs
the user nothing but a line. `edit_text` writes the text to a temporary file (readable by
the user only), runs the editor on it in the foreground and reads the file back; the file
is removed either way. The caller hands the editor the terminal first. Every failure is an
`EditorFailed` whose message is one line saying what to do.
"""

from __future__ import annotations

import os
import shlex
import shutil
import subprocess
import tempfile
from collections.abc import Mapping, Sequence
from pathlib import Path

EDITOR_VARIABLES = ("EDITOR", "VISUAL")
"""The environment variables naming the editor, in the order they are looked at."""
FALLBACK_EDITORS = ("nano", "vi")
"""Editors tried, in this order, when neither variable is set."""


class EditorFailed(Exception):
    """The editor is missing or failed; the message says what to do, in one line."""


def editor_command(environ: Mapping[str, str]) -> list[str]:
    """The editor's command line: $EDITOR, else $VISUAL (either may carry arguments, such
    as `code --wait`), else the first of `FALLBACK_EDITORS` on the PATH."""
    search_path = environ.get("PATH")
    for variable in EDITOR_VARIABLES:
        value = environ.get(variable, "").strip()
        if not value:
            continue
        try:
            command = shlex.split(value)
        except ValueError as exc:
            raise EditorFailed(f"${variable} is not a command line ({exc}): fix it") from None
        if not command or shutil.which(command[0], path=search_path) is None:
            raise EditorFailed(
                f"The editor {command[0] if command else value!r} (${variable}) is not "
                f"installed: set {variable} to an editor you have, e.g. export {variable}=nano"
            )
        return command
    for editor in FALLBACK_EDITORS:
        if shutil.which(editor, path=search_path) is not None:
            return [editor]
    raise EditorFailed("No editor found: set EDITOR to one you have, e.g. export EDITOR=nano")


def edit_text(text: str, command: Sequence[str], environ: Mapping[str, str]) -> str:
    """`text` as the user left it after editing it with `command` (the newline editors end
    a file with taken off). Raises EditorFailed when the editor cannot start, exits with
    an error, or leaves no UTF-8 text behind; the caller's text is then unchanged."""
    descriptor, name = tempfile.mkstemp(prefix="qwen-chat-message-", suffix=".md")
    path = Path(name)
    try:
        with os.fdopen(descriptor, "w", encoding="utf-8", newline="") as file:
            file.write(text)
        status = _run(command, path, environ)
        if status != 0:
            raise EditorFailed(f"The editor exited with status {status}; the message is unchanged.")
        try:
            edited = path.read_text(encoding="utf-8")
        except UnicodeDecodeError:
            raise EditorFailed("The edited message is not UTF-8 text; it is unchanged.") from None
        except OSError as exc:
            raise EditorFailed(
                f"The edited message cannot be read back ({exc.strerror or exc}); it is unchanged."
            ) from None
    finally:
        path.unlink(missing_ok=True)
    return edited.removesuffix("\n")


def _run(command: Sequence[str], path: Path, environ: Mapping[str, str]) -> int:
    # A UI that draws on stderr may have stdout redirected: the editor gets the terminal.
    stdout = None if os.isatty(1) or not os.isatty(2) else 2
    try:
        return subprocess.run([*command, str(path)], env=dict(environ), stdout=stdout).returncode
    except OSError as exc:
        raise EditorFailed(
            f"The editor {command[0]!r} cannot start ({exc.strerror or exc}); "
            "set EDITOR to one that works."
        ) from None
