"""Markdown whose rendered text is harmless in a terminal, whatever its source held.

Neutralising the source is not enough: markdown-it decodes character references
(`&#x202E;` is a bidi override) and percent-escapes in autolinks (`<http://x/%1B>` shows
an ESC). So the parsed tokens are neutralised instead, after every other rule has run,
and a renderer (Textual's Markdown widget, Rich's) only ever sees safe text. A code
block keeps its exact code beside the shown one (`exact_code`), for copying.
"""

from __future__ import annotations

from collections.abc import Iterable

from markdown_it import MarkdownIt
from markdown_it.rules_core import StateCore
from markdown_it.token import Token

from qwen_tui.chat.terminal_text import visible_controls

_EXACT_CODE = "qwen_tui_exact_code"
_CODE_TOKENS = ("fence", "code_block")


def neutralise_tokens(tokens: Iterable[Token]) -> None:
    """Apply `visible_controls` to every text a renderer shows or uses: each token's
    content, info string (a fence's language) and attributes (a link's href, an image's
    title), children included."""
    for token in tokens:
        if token.type in _CODE_TOKENS:
            token.meta.setdefault(_EXACT_CODE, token.content)
        token.content = visible_controls(token.content)
        token.info = visible_controls(token.info)
        for name, value in token.attrs.items():
            if isinstance(value, str):
                token.attrs[name] = visible_controls(value)
        if token.children:
            neutralise_tokens(token.children)


def exact_code(token: Token) -> str:
    """A code block's code as the source wrote it, without its fences or the newlines
    that end it (its `content` shows control characters as marks)."""
    code: str = token.meta.get(_EXACT_CODE, token.content)
    return code.rstrip("\n")


def _neutralise_rule(state: StateCore) -> None:
    neutralise_tokens(state.tokens)


def with_visible_controls(parser: MarkdownIt) -> MarkdownIt:
    """`parser`, its output neutralised as the last step of every parse."""
    parser.core.ruler.push("visible_controls", _neutralise_rule)
    return parser
