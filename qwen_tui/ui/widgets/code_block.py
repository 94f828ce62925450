"""A fenced code block of an answer: focusable, with a copy mark in its top-right corner."""

from __future__ import annotations

from markdown_it.token import Token
from textual import events
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.widgets import Markdown, Static
from textual.widgets.markdown import MarkdownBlock, MarkdownFence

from qwen_tui.chat.terminal_markdown import exact_code

COPY_MARK = "⧉ copy"


class _CopyMark(Static):
    """The mark a click on copies the block's code."""

    ALLOW_SELECT = False  # a selection of the answer leaves the mark out

    def on_click(self, event: events.Click) -> None:
        event.stop()
        self.query_ancestor(CodeBlock).action_copy()


class CodeBlock(MarkdownFence, can_focus=True):
    """Textual's fence with a copy mark: `c` or `y` on the focused block, or a click on
    the mark, copies its code without the fences, exactly as the reply wrote it (what is
    shown has its control characters as marks). While the reply streams the block is
    updated in place, so it can be copied as far as it has come."""

    BINDINGS = [Binding("c,y", "copy", "Copy code", show=False)]

    def __init__(self, markdown: Markdown, token: Token, code: str) -> None:
        super().__init__(markdown, token, code)
        self.exact_code = exact_code(token)
        """The code to copy: the source's, not the shown."""

    def _copy_context(self, block: MarkdownBlock) -> None:
        # Textual updates a streaming block in place by copying the newer block's context.
        if isinstance(block, CodeBlock):
            self.exact_code = block.exact_code
        super()._copy_context(block)

    def compose(self) -> ComposeResult:
        with Horizontal(classes="code-copy-row"):
            yield _CopyMark(COPY_MARK, classes="code-copy-mark", markup=False)
        yield from super().compose()

    def action_copy(self) -> None:
        """Copy this block's code to the clipboard."""
        code = self.exact_code
        if not code:
            self.notify("This code block is empty.", severity="warning")
            return
        self.app.copy_to_clipboard(code)
        lines = code.count("\n") + 1
        self.notify(f"Copied {lines:,} line{'' if lines == 1 else 's'}.")
