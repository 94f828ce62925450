"""The conversation: system, user, assistant and tool messages, each assistant turn keeping
its thinking apart from its answer, with the settings and figures it ran with, and the tool
calls it made; a tool message is one call's result."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from qwen_tui.chat.fork_origin import ForkOrigin
from qwen_tui.chat.sampling import SamplingParams
from qwen_tui.chat.tuning import Tuning


class Role(StrEnum):
    SYSTEM = "system"
    USER = "user"
    ASSISTANT = "assistant"
    TOOL = "tool"


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


@dataclass(frozen=True)
class ToolCallRecord:
    """A `<tool_call>` block of an assistant reply, as the conversation keeps it: a call
    (`name`, `arguments`), or a malformed block (`arguments` None, `raw` its text as the
    model wrote it, `error` what is wrong with it)."""

    name: str
    arguments: dict[str, Any] | None
    raw: str = ""
    error: str = ""

    @property
    def malformed(self) -> bool:
        return self.arguments is None


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
    tool_calls: tuple[ToolCallRecord, ...] = ()
    """An assistant reply's tool calls, in order; their blocks are not in `content`."""
    tool_name: str = ""
    """A tool message's tool (`server.tool`; "" for a malformed call's error)."""
    is_error: bool = False
    """A tool message's result is an error (the tool failed, was denied or unknown)."""
    ran: bool = False
    """A tool message's call really ran (False for denied and malformed calls)."""
    seconds: float = 0.0
    """How long a tool message's call ran."""
    other_replies: list[list[Message]] = field(default_factory=list)
    """A user message's replies that are not shown (regenerated: Ctrl+R, `/retry`), each
    the messages that answered it, in the order they were made (`chat/alternatives.py`)."""
    shown_reply: int = 0
    """Where the shown reply sits among all of a user message's replies, from 0."""


@dataclass
class Conversation:
    system_prompt: str = ""
    messages: list[Message] = field(default_factory=list)
    forked_from: ForkOrigin | None = None
    """Set when this conversation began as a fork of another (`fork_origin.py`)."""
    tuning: Tuning = field(default_factory=Tuning)
    """What `/set` changed for this conversation's turns."""

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
