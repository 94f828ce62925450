"""`LiveTurn`: the reply that is streaming now, its text kept once, as it was timed."""

from __future__ import annotations

from dataclasses import dataclass, field, replace

from qwen_tui.chat.messages import FinishReason, Message, Role
from qwen_tui.chat.parts import Part, TextDelta
from qwen_tui.chat.turn_plan import TurnPlan
from qwen_tui.engine.events import GenerationFinished
from qwen_tui.sessions.timeline import Chunk, TimelineBuilder


@dataclass
class LiveTurn:
    """One request on its way: what was asked, how, and what has streamed back so far.

    The streamed text lives only in `timeline` (the session's playback record), so the
    reply a stopped turn keeps is exactly what was shown and what is saved.
    """

    request_id: int
    prompt: str
    """The user's message this turn answers."""
    plan: TurnPlan
    prompt_tokens: int
    continues: Message | None = None
    """The cut-off reply this turn goes on with (`/continue`); None for a new reply."""
    timeline: TimelineBuilder = field(default_factory=TimelineBuilder)
    thinking_tokens: int = 0
    step: int = 0
    """Which model reply of the tool loop this is: 0 answers the user's message, 1 the
    results of its calls, and so on."""
    again: bool = False
    """The turn answers its user message again (Ctrl+R, `/retry`): no new user message."""

    def __post_init__(self) -> None:
        self.timeline.start()
        if self.continues is not None:
            self.thinking_tokens = self.continues.thinking_tokens or 0

    def add(self, delta: TextDelta) -> None:
        """A piece of the reply arrived."""
        self.timeline.add(delta.part, delta.text)
        if delta.part is Part.THINKING:
            self.thinking_tokens += delta.tokens

    def streamed(self, part: Part) -> str:
        """The text of `part` streamed so far."""
        return "".join(c.text for c in self.timeline.chunks if c.part is part)

    def stopped(self) -> Message:
        """The reply as it stands, ended by the user (Esc, Ctrl+C, a closed pipe)."""
        answer, thinking = self.streamed(Part.ANSWER), self.streamed(Part.THINKING)
        if self.continues is not None:
            answer, thinking = self.continues.content + answer, self.continues.thinking + thinking
        return Message(
            Role.ASSISTANT,
            answer,
            thinking,
            thinking_finished=bool(answer),
            settings=self.plan.turn_settings(),
            finish_reason=FinishReason.CANCELLED,
            thinking_tokens=self._thinking_tokens(thinking),
            continued=self.continues is not None,
        )

    def finished(self, event: GenerationFinished) -> Message:
        """The reply as the engine ended it (its trimmed texts and figures). A continued
        reply the engine failed on keeps what it had, and can be continued again."""
        if self.continues is not None and event.reason is FinishReason.ERROR:
            return replace(self.stopped(), finish_reason=self.continues.finish_reason)
        return Message(
            Role.ASSISTANT,
            event.answer,
            event.thinking,
            event.thinking_finished,
            self.plan.turn_settings(),
            event.reason,
            event.stats,
            self._thinking_tokens(event.thinking),
            event.thinking_budget_reached,
            continued=self.continues is not None,
        )

    def _thinking_tokens(self, thinking: str) -> int | None:
        return self.thinking_tokens if thinking else None

    def take_timeline(self) -> list[Chunk]:
        """The timed pieces, for the session record; a continued reply's earlier part
        comes first, at once."""
        chunks = self.timeline.take()
        if self.continues is None:
            return chunks
        earlier = [(Part.THINKING, self.continues.thinking), (Part.ANSWER, self.continues.content)]
        return [Chunk(0.0, part, text) for part, text in earlier if text] + chunks
