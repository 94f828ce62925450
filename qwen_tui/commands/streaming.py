"""Showing a turn outside the UI: what `qwen-chat run` prints while the reply streams.

The answer goes to stdout and nothing else does, so it pipes cleanly; the thinking
(dimmed, with `--show-thinking`), warnings and the tool calls (one line each, unless
`--json` reports them) go to stderr. Both show control
characters as marks (`chat/terminal_text.py`): model text never drives the terminal.
"""

from __future__ import annotations

import sys

from rich.console import Console

from qwen_tui.chat.parts import Part
from qwen_tui.chat.terminal_text import TerminalTextStream, visible_controls
from qwen_tui.commands.tool_use import call_line
from qwen_tui.conversation.updates import (
    Notice,
    NotSaved,
    Severity,
    TextStreamed,
    ToolCallEnded,
    ToolLoopStopped,
    ToolStepLimitReached,
    TurnStarted,
    Update,
)


class StreamPrinter:
    """Called with every update of a `run` turn; `end` finishes both lines."""

    def __init__(self, err: Console, *, show_thinking: bool, show_answer: bool = True) -> None:
        self.err = err
        self.show_thinking = show_thinking
        self.show_answer = show_answer
        self.answer_ends_line = True
        self.thinking_shown = False
        self.safe_thinking, self.safe_answer = TerminalTextStream(), TerminalTextStream()
        self.not_saved: list[str] = []
        """Why the session could not be written, if it could not."""

    def __call__(self, update: Update) -> None:
        if isinstance(update, Notice) and update.severity is Severity.WARNING:
            self.warn(update.text)
        elif isinstance(update, NotSaved):
            self.not_saved.append(update.reason)
        elif isinstance(update, TextStreamed):
            self._text(update.delta.part, update.delta.text)
        elif isinstance(update, ToolCallEnded) and self.show_answer:
            self._end_thinking()
            self.err.print(call_line(update.call, update.result_message), style="dim", markup=False)
        elif isinstance(update, ToolStepLimitReached):
            self.warn(
                f"the model asked for tools {update.limit} times; its last calls did not run "
                "(raise [tools] max_tool_steps in config for more)"
            )
        elif isinstance(update, ToolLoopStopped):
            self.warn(update.reason)
        elif isinstance(update, TurnStarted) and update.turn.step and self.show_answer:
            # The reply to the tools' results starts a paragraph of its own.
            if not self.answer_ends_line:
                sys.stdout.write("\n")
                self.answer_ends_line = True

    def warn(self, text: str) -> None:
        self.err.print(f"qwen-chat: warning: {visible_controls(text)}", markup=False)

    def _text(self, part: Part, text: str) -> None:
        if part is Part.THINKING:
            if self.show_thinking:
                self.err.print(self.safe_thinking.write(text), style="dim", end="", markup=False)
                self.thinking_shown = True
            return
        if not self.show_answer:
            return
        self._end_thinking()
        sys.stdout.write(self.safe_answer.write(text))
        sys.stdout.flush()
        self.answer_ends_line = text.endswith("\n")

    def end(self) -> None:
        self._end_thinking()
        if not self.show_answer:
            return
        sys.stdout.write(self.safe_answer.end())
        if not self.answer_ends_line:
            self.answer_ends_line = True
            sys.stdout.write("\n")
        sys.stdout.flush()

    def _end_thinking(self) -> None:
        if self.thinking_shown:
            self.err.print(self.safe_thinking.end(), style="dim", markup=False)
            self.thinking_shown = False
