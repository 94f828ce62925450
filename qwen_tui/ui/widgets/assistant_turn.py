"""One assistant turn: the thinking pane beside (or above) the Markdown answer."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.widgets import Static

from qwen_tui.chat.messages import FinishReason, GenerationStats, Message
from qwen_tui.chat.parts import Part, TextDelta
from qwen_tui.ui.widgets.answer_view import AnswerView
from qwen_tui.ui.widgets.thinking_pane import ThinkingPane

_ENDINGS = {
    FinishReason.CANCELLED: "■ cancelled",
    FinishReason.LENGTH: "■ stopped at the token limit",
    FinishReason.ERROR: "■ failed",
}


class AssistantTurn(Horizontal, can_focus=True):
    """The layout (beside or stacked) comes from the screen's `-wide` class in the .tcss.

    Built live (`AssistantTurn()`, then `add_thinking`/`add_answer`/`finish`) or from a
    saved message (`AssistantTurn.from_message`).
    """

    BINDINGS = [
        Binding("enter,t", "toggle_thinking", "Thoughts", show=False),
        Binding("c,y", "copy", "Copy answer", show=False),
    ]

    def __init__(self, message: Message | None = None, *, expect_thinking: bool = True) -> None:
        """`message` for a finished turn; None for a live one, whose thinking pane shows
        from the start when `expect_thinking` and otherwise once thinking arrives."""
        super().__init__(classes="-streaming" if message is None else "")
        self.thinking = ThinkingPane(message.thinking if message else "", live=message is None)
        self.thinking.display = bool(message.thinking) if message else expect_thinking
        self.answer = AnswerView(message.content if message else "")
        note = _note_text(message) if message else "generating…"
        self._note = Static(note, classes="turn-note", markup=False)

    def compose(self) -> ComposeResult:
        yield self.thinking
        with Vertical(classes="answer-column"):
            yield self.answer
            yield self._note

    @property
    def streaming(self) -> bool:
        return self.has_class("-streaming")

    async def add(self, delta: TextDelta) -> None:
        """More of the reply streamed in; the answer's first piece folds the thinking."""
        if delta.part is Part.THINKING:
            self.thinking.append(delta.text, delta.tokens)
        else:
            self.thinking.stop()
            await self.answer.write(delta.text)

    async def finish(self, message: Message) -> None:
        """The turn ended: fold the thinking, render the answer once, show how it ended."""
        self.thinking.stop(final_text=message.thinking, early=not message.thinking_finished)
        self._note.update(_note_text(message))
        self.remove_class("-streaming")
        self.set_class(message.finish_reason is FinishReason.CANCELLED, "-cancelled")
        await self.answer.finish(message.content)

    def action_toggle_thinking(self) -> None:
        """Open or fold this turn's thinking."""
        if self.thinking.display:
            self.thinking.action_open_or_fold()

    def action_copy(self) -> None:
        """Copy this turn's answer to the clipboard."""
        self.app.copy_to_clipboard(self.answer.text)
        self.notify(f"Copied the answer ({len(self.answer.text):,} characters).")


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
