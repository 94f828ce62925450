"""Text from a model, a session or a file, made harmless to show in a terminal.

Model output is untrusted: a prompt-injected document can make the model write escape
sequences that set the window title (OSC 0/2), write the clipboard (OSC 52), plant links
(OSC 8) or clear the screen (CSI), and bidi overrides that make text read other than it
is. Every character that could do that becomes a visible mark instead:

- C0 controls and DEL become their Unicode control pictures: ESC shows as ␛, BEL as ␇;
- C1 controls and invisible format characters (bidi embeddings, overrides, isolates and
  marks, zero-width spaces, tag characters) become `<U+202E>`-style marks;
- a CR right before a LF is dropped (it moves nothing on screen); a lone CR, which lets
  text overwrite its own line, shows as ␍.

Newline and tab stay. Each character is replaced on its own, so a sequence needs no
parsing: once its ESC or C1 introducer is a mark, the rest of it is printable text, and
text cut into chunks anywhere can never let one through (`TerminalTextStream` gives the
same text as the whole would, CR-LF pairs split between chunks included).
"""

from __future__ import annotations

import re

_FORMAT_CHARACTERS = (
    "\u061c"  # Arabic letter mark
    "\u180e"  # Mongolian vowel separator
    "\u200b"  # zero-width space
    "\u200e\u200f"  # left-to-right and right-to-left marks
    "\u2028\u2029"  # line and paragraph separators
    "\u202a-\u202e"  # bidi embeddings and overrides
    "\u2060-\u2064"  # word joiner and invisible operators
    "\u2066-\u2069"  # bidi isolates
    "\u206a-\u206f"  # deprecated format characters
    "\ufeff"  # zero-width no-break space (BOM)
    "\ufff9-\ufffb"  # interlinear annotations
    "\U000e0000-\U000e007f"  # tag characters (invisible text)
)
# ZWJ and ZWNJ (U+200D, U+200C) stay: emoji sequences and several scripts need them.
_UNSAFE = "[\x00-\x08\x0b-\x1f\x7f-\x9f" + _FORMAT_CHARACTERS + "]"
_HAZARD = re.compile("\r\n|" + _UNSAFE)
_JSON_UNSAFE = re.compile(_UNSAFE)
_CONTROL_PICTURES = 0x2400
_DEL_PICTURE = "\u2421"


def _mark(character: str) -> str:
    code = ord(character)
    if code < 0x20:
        return chr(_CONTROL_PICTURES + code)
    if code == 0x7F:
        return _DEL_PICTURE
    return f"<U+{code:04X}>"


def _replace(match: re.Match[str]) -> str:
    found = match.group()
    return "\n" if found == "\r\n" else _mark(found)


def visible_controls(text: str) -> str:
    """`text` with every control and invisible format character but newline and tab
    shown as a visible mark (see the module docstring)."""
    if _HAZARD.search(text) is None:
        return text
    return _HAZARD.sub(_replace, text)


class TerminalTextStream:
    """`visible_controls` for text that arrives in pieces: a CR ending one piece waits
    for the next, so a CR-LF pair split between two comes out as one newline."""

    def __init__(self) -> None:
        self._held_cr = False

    def write(self, chunk: str) -> str:
        """The safe text of `chunk`, to print now."""
        if self._held_cr:
            chunk = "\r" + chunk
        self._held_cr = chunk.endswith("\r")
        return visible_controls(chunk[:-1] if self._held_cr else chunk)

    def end(self) -> str:
        """What is still held back when the text ends (a lone CR's mark, or nothing)."""
        held, self._held_cr = self._held_cr, False
        return _mark("\r") if held else ""


def json_for_terminal(json_text: str) -> str:
    """JSON text (as `json.dumps` writes it) with the characters it leaves raw in strings
    (DEL, C1 controls, bidi and other format characters) written as `\\uXXXX` escapes:
    a reader decodes the same values, and a terminal shows only printable text."""
    return _JSON_UNSAFE.sub(_json_escape, json_text)


def _json_escape(match: re.Match[str]) -> str:
    code = ord(match.group())
    if code > 0xFFFF:  # JSON escapes astral characters as a surrogate pair
        high, low = divmod(code - 0x10000, 0x400)
        return f"\\u{0xD800 + high:04x}\\u{0xDC00 + low:04x}"
    return f"\\u{code:04x}"
