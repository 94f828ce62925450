"""The answer of one assistant turn as Markdown, written incrementally while it streams."""

from __future__ import annotations

from markdown_it import MarkdownIt
from textual.widgets import Markdown

from qwen_tui.chat.terminal_markdown import with_visible_controls
from qwen_tui.ui.paced_stream import PacedMarkdownStream
from qwen_tui.ui.widgets.code_block import CodeBlock


def _safe_parser() -> MarkdownIt:
    """Textual's own parser, its parsed text neutralised: a reply's escape sequences, even
    ones Markdown decodes (`&#x202E;`, `%1B` in an autolink), show as marks."""
    return with_visible_controls(MarkdownIt("gfm-like"))


class AnswerView(Markdown):
    """Markdown fed through a `PacedMarkdownStream`: each delta is appended, never the
    whole reply re-rendered; `finish` renders the final text once so code fences come out
    right. `text` keeps the exact answer (for copying); only what is shown is neutralised.
    Its code blocks are `CodeBlock`s, each copied on its own."""

    BLOCKS = {**Markdown.BLOCKS, "fence": CodeBlock, "code_block": CodeBlock}

    def __init__(self, answer: str = "") -> None:
        super().__init__(answer, parser_factory=_safe_parser)
        self._parts: list[str] = [answer] if answer else []
        self._stream: PacedMarkdownStream | None = None

    @property
    def text(self) -> str:
        """The answer so far."""
        return "".join(self._parts)

    async def write(self, text: str) -> None:
        """Append a streamed piece of the answer."""
        if not text:
            return
        if self._stream is None:
            self._stream = PacedMarkdownStream(self)
        self._parts.append(text)
        await self._stream.write(text)

    async def finish(self, final_text: str | None = None) -> None:
        """The stream ended: stop it and render the final text (default: what streamed)."""
        streamed = self._stream is not None
        if self._stream is not None:
            await self._stream.stop()
            self._stream = None
        if final_text is not None and final_text != self.text:
            self._parts = [final_text]
        elif not streamed:
            return  # nothing streamed and nothing changed: the shown text is final
        await self.update(self.text)
