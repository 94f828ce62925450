"""Text that tries to drive the terminal, as a prompt-injected model could write it, and
checks, written apart from the code under test, that none of it got through."""

from __future__ import annotations

from qwen_tui.engine.base import GenerationRequest
from tests.recording_engine import RecordingEngine

SEQUENCES = {
    "OSC 52 (writes the clipboard)": "\x1b]52;c;aGFja2Vk\x07",
    "OSC 2 (window title, BEL)": "\x1b]2;PWNED\x07",
    "OSC 0 (window title, ST)": "\x1b]0;PWNED\x1b\\",
    "OSC 8 (hyperlink)": "\x1b]8;;https://evil.example/\x1b\\click\x1b]8;;\x1b\\",
    "CSI (clear the screen)": "CLEAR\x1b[2JSCREEN",
    "DCS string": "\x1bP1$qm\x1b\\",
    "C1 CSI": "\x9b2J",
    "C1 OSC": "\x9d2;PWNED\x9c",
    "bidi override": "\u202eevil\u202c",
    "bidi isolate": "\u2067isolated\u2069",
    "lone CR (overwrites the line)": "safe\rFAKE",
}
HOSTILE = "Hi " + " ".join(SEQUENCES.values()) + " bye"
"""Every sequence above in one text."""

FORBIDDEN = (
    {chr(c) for c in range(0x20) if chr(c) not in "\n\t"}
    | {chr(c) for c in range(0x7F, 0xA0)}
    | set("\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
)
"""Characters a terminal acts on (C0 but newline and tab, DEL, C1) or that reorder text."""

FORBIDDEN_BYTES = (b"\x1b", b"\x07", b"\r", b"\xc2\x9b", b"\xc2\x9d", b"\xc2\x9c", b"\xe2\x80\xae")
"""The UTF-8 of the ones HOSTILE holds, to look for in a command's raw output."""

SHOWN = ("␛]52;c;aGFja2Vk␇", "␛]2;PWNED␇", "CLEAR␛[2JSCREEN", "<U+202E>evil", "safe␍FAKE")
"""What some of them look like once neutralised: visible, so the user sees they were there."""


def forbidden_in(text: str) -> list[str]:
    """The forbidden characters `text` holds, as escapes (empty when it is safe)."""
    return sorted({ascii(c) for c in text if c in FORBIDDEN})


def assert_shown_safely(text: str) -> None:
    """`text` holds HOSTILE's marks and none of its live characters."""
    assert forbidden_in(text) == []
    for mark in SHOWN:
        assert mark in text, mark


MARKDOWN_TRICKS = "\n\nDecoded: &#x202e;x &#27; <http://evil.example/%1b]2;AUTOLINK%07>"
"""Markdown that decodes to controls (a character reference, an autolink's %-escapes)."""


class HostileReplyEngine(RecordingEngine):
    """The demo engine at full speed, thinking and answering HOSTILE, under a model name
    that holds a title-setting sequence too."""

    model_name = "Qwen\x1b]2;MODEL\x07 demo"

    def compose_reply(self, request: GenerationRequest) -> tuple[str, str]:
        return HOSTILE, HOSTILE + MARKDOWN_TRICKS
