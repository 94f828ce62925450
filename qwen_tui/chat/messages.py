"""The conversation: system, user and assistant messages, each assistant turn keeping its
thinking apart from its answer, with the settings and figures it ran with."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

from qwen_tui.chat.sampling import SamplingParams


class Role(StrEnum):
    SYSTEM = "system"
    USER = "user"
    ASSISTANT = "assistant"


class FinishReason(StrEnum):
    STOP = "stop"  # the model ended its turn (an eos id)
    LENGTH = "length"  # max_new_tokens reached
    CANCELLED = "cancelled"  # the user stopped it
    ERROR = "error"  # the engine failed


@dataclass(frozen=True)
class GenerationStats:
    prompt_tokens: int
    generated_tokens: int
    time_to_first_token_s: float
    decode_tokens_per_s: float
    total_s: float


@dataclass(frozen=True)
class TurnSettings:
    """What an assistant turn ran with: the hard switch, the mode in effect after the
    soft switches, and the sampling."""

    enable_thinking: bool
    thinking: bool
    sampling: SamplingParams
    max_new_tokens: int


@dataclass
class Message:
    role: Role
    content: str
    """The text: for an assistant turn, the answer only."""
    thinking: str = ""
    thinking_finished: bool = True
    settings: TurnSettings | None = None
    finish_reason: FinishReason | None = None
    stats: GenerationStats | None = None
    thinking_tokens: int | None = None
    """Tokens the thinking took, as counted while it streamed; None if not known (a
    session saved by an older version, or a reply without thinking)."""
    thinking_budget_reached: bool = False
    """The engine ended the thinking at the turn's thinking budget."""
    continued: bool = False
    """The reply was cut off, then continued (`/continue`): it replaces the partial one."""


@dataclass
class Conversation:
    system_prompt: str = ""
    messages: list[Message] = field(default_factory=list)

    def add_user(self, text: str) -> Message:
        message = Message(Role.USER, text)
        self.messages.append(message)
        return message

    def add_assistant(
        self,
        answer: str,
        thinking: str = "",
        *,
        settings: TurnSettings | None = None,
        finish_reason: FinishReason | None = FinishReason.STOP,
        stats: GenerationStats | None = None,
        thinking_finished: bool = True,
        thinking_tokens: int | None = None,
    ) -> Message:
        message = Message(
            Role.ASSISTANT,
            answer,
            thinking,
            thinking_finished,
            settings,
            finish_reason,
            stats,
            thinking_tokens,
        )
        self.messages.append(message)
        return message

    @property
    def user_messages(self) -> list[Message]:
        return [m for m in self.messages if m.role is Role.USER]

    @property
    def last_assistant(self) -> Message | None:
        return next((m for m in reversed(self.messages) if m.role is Role.ASSISTANT), None)

    def clear(self) -> None:
        self.messages.clear()
