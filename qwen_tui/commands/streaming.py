"""Following one turn's engine events outside the UI, for `qwen-chat run`.

The engine posts its events to a queue from its own thread; these wait on it from the
command's thread: until the model has loaded, then until the turn ends (recording each
event), printing the deltas as they come.
"""

from __future__ import annotations

import queue
import sys

from rich.console import Console

from qwen_tui.chat.terminal_text import TerminalTextStream
from qwen_tui.commands.session_helpers import fail
from qwen_tui.engine.base import (
    AnswerDelta,
    EngineError,
    EngineEvent,
    EngineReady,
    GenerationFinished,
    ThinkingDelta,
)
from qwen_tui.sessions.recorded import RecordedConversation


class StreamPrinter:
    """Prints the answer to stdout as it streams, and the thinking, dimmed, to `err` if
    `show_thinking`; `end` finishes both lines. Both show control characters as marks."""

    def __init__(self, err: Console, show_thinking: bool) -> None:
        self.err, self.show_thinking = err, show_thinking
        self.answer_ends_line = True
        self.thinking_shown = False
        self.safe_thinking, self.safe_answer = TerminalTextStream(), TerminalTextStream()

    def __call__(self, event: EngineEvent) -> None:
        if isinstance(event, ThinkingDelta) and self.show_thinking:
            text = self.safe_thinking.write(event.text)
            self.err.print(text, style="dim", end="", markup=False)
            self.thinking_shown = True
        elif isinstance(event, AnswerDelta):
            if self.thinking_shown:
                self.err.print(self.safe_thinking.end(), style="dim", markup=False)
                self.thinking_shown = False
            sys.stdout.write(self.safe_answer.write(event.text))
            sys.stdout.flush()
            self.answer_ends_line = event.text.endswith("\n")

    def end(self) -> None:
        if self.thinking_shown:
            self.err.print(self.safe_thinking.end(), style="dim", markup=False)
        sys.stdout.write(self.safe_answer.end())
        if not self.answer_ends_line:
            sys.stdout.write("\n")
            sys.stdout.flush()


def wait_ready(events: queue.Queue[EngineEvent]) -> EngineReady:
    """The engine's ready event; a load error exits with its one-line message."""
    while True:
        event = events.get()
        if isinstance(event, EngineReady):
            return event
        if isinstance(event, EngineError):
            raise fail(event.message)


def wait_finished(
    events: queue.Queue[EngineEvent],
    printer: StreamPrinter | None,
    recorded: RecordedConversation,
) -> tuple[GenerationFinished, EngineError | None]:
    """The turn's end, and the engine's error if it failed."""
    error = None
    while True:
        event = events.get()
        recorded.on_event(event)
        if printer is not None:
            printer(event)
        if isinstance(event, EngineError):
            error = event
        elif isinstance(event, GenerationFinished):
            return event, error
