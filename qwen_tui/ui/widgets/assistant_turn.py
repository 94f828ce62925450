"""One assistant turn: the thinking pane beside (or above) the Markdown answer."""

from __future__ import annotations

import time
from collections.abc import Callable

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.message import Message as TextualMessage
from textual.timer import Timer
from textual.widgets import Static

from qwen_tui.chat.messages import FinishReason, GenerationStats, Message
from qwen_tui.chat.parts import Part, TextDelta
from qwen_tui.ui.widgets.answer_view import AnswerView
from qwen_tui.ui.widgets.reply_choice import ReplyChoice
from qwen_tui.ui.widgets.thinking_pane import ThinkingPane, duration

_ENDINGS = {
    FinishReason.CANCELLED: "■ cancelled",
    FinishReason.LENGTH: "■ stopped at the token limit",
    FinishReason.ERROR: "■ failed",
}


class AssistantTurn(Horizontal, can_focus=True):
    """On wide screens (the screen's `-wide` class) an open thinking pane sits beside the
    answer; folded, its one line sits above the answer, which keeps the full width.

    Built live (`AssistantTurn(prompt_tokens=N)`, then `add` and `finish`) or from a saved
    message (`AssistantTurn(message)`). Until the first token a live turn says that the
    model reads the prompt, and for how long it has.
    """

    BINDINGS = [
        Binding("enter,t", "toggle_thinking", "Thoughts", show=False),
        Binding("c,y", "copy", "Copy answer", show=False),
        Binding("r", "regenerate", "Regenerate", show=False),
        Binding("left", "switch_reply(-1)", "Previous version", show=False),
        Binding("right", "switch_reply(1)", "Next version", show=False),
    ]

    class RegenerateRequested(TextualMessage):
        """R on `turn`: answer its user message again (only the last reply can be)."""

        def __init__(self, turn: AssistantTurn) -> None:
            super().__init__()
            self.turn = turn

    class SwitchRequested(TextualMessage):
        """← or → on `turn`: show its user message's previous (`step` -1) or next (1) reply."""

        def __init__(self, turn: AssistantTurn, step: int) -> None:
            super().__init__()
            self.turn = turn
            self.step = step

    def __init__(
        self,
        message: Message | None = None,
        *,
        prompt_tokens: int | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        """`message` for a finished turn; None for a live one, sent with `prompt_tokens`
        of prompt and timed by `clock`. A live turn's thinking pane shows once thinking
        arrives."""
        super().__init__(classes="-streaming" if message is None else "")
        self.thinking = ThinkingPane(
            message.thinking if message else "",
            live=message is None,
            tokens=message.thinking_tokens if message else None,
            budget_reached=message.thinking_budget_reached if message else False,
            clock=clock,
        )
        self.thinking.display = bool(message.thinking) if message else False
        self.answer = AnswerView(message.content if message else "")
        note = _note_text(message) if message else ""
        self._note = Static(note, classes="turn-note", markup=False)
        self.choice = ReplyChoice()
        self._clock = clock
        self._sent_at = clock()
        self._prompt_tokens = prompt_tokens
        self._waiting: Timer | None = None

    def compose(self) -> ComposeResult:
        yield self.thinking
        with Vertical(classes="answer-column"):
            yield self.answer
            yield self._note
            yield self.choice

    def on_mount(self) -> None:
        self.watch(self.thinking, "expanded", self._place_thinking)
        if self.streaming:
            self._show_waiting()
            self._waiting = self.set_interval(0.1, self._show_waiting)

    @property
    def streaming(self) -> bool:
        return self.has_class("-streaming")

    async def add(self, delta: TextDelta) -> None:
        """More of the reply streamed in; the answer's first piece folds the thinking."""
        self._stop_waiting()
        if delta.part is Part.THINKING:
            self.thinking.append(delta.text, delta.tokens)
        else:
            self.thinking.stop()
            await self.answer.write(delta.text)

    async def finish(self, message: Message) -> None:
        """The turn ended: fold the thinking, render the answer once, show how it ended."""
        self._stop_waiting()
        self.thinking.stop(
            final_text=message.thinking,
            early=not message.thinking_finished,
            tokens=message.thinking_tokens,
            budget_reached=message.thinking_budget_reached,
        )
        self._note.update(_note_text(message))
        self.remove_class("-streaming")
        self.set_class(message.finish_reason is FinishReason.CANCELLED, "-cancelled")
        await self.answer.finish(message.content)

    def reopen(self, in_thinking: bool) -> None:
        """The reply goes on (`/continue`): it streams again after what it shows, in its
        thinking if it was cut off there."""
        if in_thinking:
            self.thinking.resume()
        self._note.update("")
        self.remove_class("-cancelled")
        self.add_class("-streaming")

    def action_toggle_thinking(self) -> None:
        """Open or fold this turn's thinking."""
        if self.thinking.display:
            self.thinking.action_open_or_fold()

    def action_regenerate(self) -> None:
        """Ask for this reply to be made again."""
        self.post_message(self.RegenerateRequested(self))

    def action_switch_reply(self, step: int) -> None:
        """Ask for the previous or next version of this reply."""
        self.post_message(self.SwitchRequested(self, step))

    def action_copy(self) -> None:
        """Copy this turn's answer to the clipboard."""
        self.app.copy_to_clipboard(self.answer.text)
        self.notify(f"Copied the answer ({len(self.answer.text):,} characters).")

    def _place_thinking(self, expanded: bool) -> None:
        # Open: beside the answer (on wide screens); folded: one line above it.
        self.set_class(expanded, "-thinking-open")

    def _show_waiting(self) -> None:
        since = duration(max(0.0, self._clock() - self._sent_at))
        size = f" ({self._prompt_tokens:,} tokens)" if self._prompt_tokens else ""
        self._note.update(f"reading the prompt{size}… {since} since sent")

    def _stop_waiting(self) -> None:
        if self._waiting is not None:
            self._waiting.stop()
            self._waiting = None
            self._note.update("generating…")


def _note_text(message: Message) -> str:
    parts = [_ENDINGS[message.finish_reason]] if message.finish_reason in _ENDINGS else []
    if message.stats is not None and message.stats.generated_tokens:
        parts.append(_stats_text(message.stats))
    return " · ".join(parts)


def _stats_text(stats: GenerationStats) -> str:
    return (
        f"{stats.generated_tokens:,} tokens · {stats.decode_tokens_per_s:.1f} tok/s"
        f" · TTFT {stats.time_to_first_token_s:.2f} s"
    )
