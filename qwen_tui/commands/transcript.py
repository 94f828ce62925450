"""`TranscriptPrinter`: what `replay --print` shows as the replay streams: the user's
turn, the thinking dimmed, the answer, a line per tool call, all with their control
characters shown as marks."""

from __future__ import annotations

from rich.console import Console
from rich.text import Text

from qwen_tui.chat.messages import Message
from qwen_tui.chat.parts import Part
from qwen_tui.chat.terminal_text import TerminalTextStream
from qwen_tui.commands.terminal import text_for_terminal
from qwen_tui.commands.tool_use import call_line
from qwen_tui.conversation.updates import (
    Notice,
    Severity,
    TextStreamed,
    ToolCallEnded,
    ToolLoopStopped,
    ToolStepLimitReached,
    Update,
)
from qwen_tui.sessions.export import turn_summary


class TranscriptPrinter:
    """Streams a replay to stdout: the user's turn, thinking dimmed, then the answer, all
    with their control characters shown as marks."""

    def __init__(self) -> None:
        self.console = Console(highlight=False)
        self._in_thinking = False
        self._answer_ends_line = True
        self._safe = TerminalTextStream()

    def user(self, prompt: str) -> None:
        self.console.print(Text("You: ", style="bold cyan") + text_for_terminal(prompt))

    def warn(self, text: str) -> None:
        self.console.print(text_for_terminal(f"warning: {text}", style="yellow"))

    def __call__(self, update: Update) -> None:
        if isinstance(update, Notice) and update.severity is Severity.WARNING:
            self.warn(update.text)
        elif isinstance(update, ToolStepLimitReached):
            self.warn(f"the model asked for tools {update.limit} times; its last calls did not run")
        elif isinstance(update, ToolLoopStopped):
            self.warn(update.reason)
        elif isinstance(update, ToolCallEnded):
            self._end_part()
            line = call_line(update.call, update.result_message)
            self.console.print(Text(line, style="dim"))
        if not isinstance(update, TextStreamed):
            return
        text = update.delta.text
        if update.delta.part is Part.THINKING:
            if not self._in_thinking:
                self.console.print(Text("thinking: ", style="dim bold"), end="")
                self._in_thinking = True
            self.console.print(Text(self._safe.write(text), style="dim"), end="")
        else:
            if self._in_thinking:
                self.console.print(Text(self._safe.end(), style="dim") + "\n\n", end="")
                self._in_thinking = False
            self.console.print(Text(self._safe.write(text)), end="")
            self._answer_ends_line = text.endswith("\n")

    def _end_part(self) -> None:
        """A tool call's line starts a line of its own, after what streamed."""
        held = self._safe.end()
        if self._in_thinking or not self._answer_ends_line or held:
            self.console.print(Text(held, style="dim" if self._in_thinking else ""))
        self._in_thinking = False
        self._answer_ends_line = True

    def reply_done(self, reply: Message) -> None:
        self._in_thinking = False
        self.console.print(Text(self._safe.end()))
        summary = turn_summary(reply)
        if summary:
            self.console.print(Text(summary, style="dim"))
        self.console.print()
