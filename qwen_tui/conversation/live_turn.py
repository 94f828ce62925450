"""`LiveTurn`: the reply that is streaming now, its text kept once, as it was timed."""

from __future__ import annotations

from dataclasses import dataclass, field

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
    timeline: TimelineBuilder = field(default_factory=TimelineBuilder)
    thinking_tokens: int = 0

    def __post_init__(self) -> None:
        self.timeline.start()

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
        return Message(
            Role.ASSISTANT,
            answer,
            thinking,
            thinking_finished=bool(answer),
            settings=self.plan.turn_settings(),
            finish_reason=FinishReason.CANCELLED,
            thinking_tokens=self._thinking_tokens(thinking),
        )

    def finished(self, event: GenerationFinished) -> Message:
        """The reply as the engine ended it (its trimmed texts and figures)."""
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
        )

    def _thinking_tokens(self, thinking: str) -> int | None:
        return self.thinking_tokens if thinking else None

    def take_timeline(self) -> list[Chunk]:
        """The timed pieces, for the session record."""
        return self.timeline.take()
