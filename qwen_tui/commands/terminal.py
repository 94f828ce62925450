"""What the commands need from the terminal they print to: untrusted text made harmless
(`qwen_tui.chat.terminal_text`), output that never fails on the locale's encoding, and a
refusal to open the chat UI where there is no terminal to show it in.
"""

from __future__ import annotations

import io
import sys
from typing import TextIO

from rich.markdown import Markdown
from rich.text import Text

from qwen_tui.chat.terminal_markdown import neutralise_tokens
from qwen_tui.chat.terminal_text import visible_controls
from qwen_tui.commands.session_helpers import fail


def require_terminal(instead: str) -> None:
    """Exit with a one-line error, suggesting `instead`, unless the chat UI can run here:
    Textual reads keys from stdin and draws on stderr, and without a terminal on stdin it
    would spin at full CPU forever."""
    streams = {"stdin": sys.stdin, "stderr": sys.stderr}
    missing = [name for name, stream in streams.items() if not _is_terminal(stream)]
    if missing:
        what = f"{missing[0]} is not one" if len(missing) == 1 else "stdin and stderr are not"
        raise fail(f"the chat UI needs a terminal ({what}); {instead}")


def _is_terminal(stream: TextIO | None) -> bool:
    try:
        return stream is not None and stream.isatty()
    except (ValueError, OSError):  # a closed stream
        return False


def tolerate_any_encoding() -> None:
    """Make stdout and stderr write any text: what the locale's encoding cannot hold
    (under LC_ALL=C, anything beyond ASCII) comes out as a `\\u201c` escape, not an error."""
    for stream in (sys.stdout, sys.stderr):
        if isinstance(stream, io.TextIOWrapper):
            stream.reconfigure(errors="backslashreplace")


def write_document(text: str) -> None:
    """Print an exported document as UTF-8 bytes, the same bytes `-o FILE` writes,
    whatever the locale (a Markdown or JSON file is UTF-8)."""
    buffer = getattr(sys.stdout, "buffer", None)
    if buffer is None:
        sys.stdout.write(text)
        return
    sys.stdout.flush()
    buffer.write(text.encode("utf-8", errors="backslashreplace"))
    buffer.flush()


def markdown_for_terminal(text: str) -> Markdown:
    """Rich's Markdown of `text`, its parsed text neutralised (see `terminal_markdown`)."""
    rendered = Markdown(text)
    neutralise_tokens(rendered.parsed)
    return rendered


def text_for_terminal(text: str, style: str = "") -> Text:
    """A Rich Text of untrusted `text` (a title, a prompt, a reply), shown safe."""
    return Text(visible_controls(text), style=style)
