"""The contract every engine meets: requests in, events out, cancel at any time.

An engine owns one worker thread (see `worker.py`). The UI or CLI hands it a
`GenerationRequest`; the engine answers with events passed to the `EventSink` callback
it was started with. The callback is called from the engine's own thread, so it must be
thread-safe (Textual's `post_message` is).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from enum import StrEnum
from typing import TYPE_CHECKING, Protocol

from qwen_tui.chat.messages import FinishReason, GenerationStats
from qwen_tui.chat.sampling import SamplingParams

if TYPE_CHECKING:
    from qwen_tui.chat.turn_plan import TurnPlan

DEFAULT_MAX_NEW_TOKENS = 32_768


@dataclass(frozen=True)
class GenerationRequest:
    """One assistant turn to generate.

    `messages` are template messages (`{"role": ..., "content": ...}`) whose earlier
    assistant turns already carry their answer only, never their thinking.
    `enable_thinking` is the hard switch passed to the chat template.
    """

    messages: tuple[dict[str, str], ...]
    enable_thinking: bool
    sampling: SamplingParams
    max_new_tokens: int = DEFAULT_MAX_NEW_TOKENS
    request_id: int = 0

    def __post_init__(self) -> None:
        if not self.messages:
            raise ValueError("a request needs at least one message")
        if self.max_new_tokens < 1:
            raise ValueError(f"max_new_tokens must be >= 1, got {self.max_new_tokens}")

    @classmethod
    def from_plan(cls, plan: TurnPlan, request_id: int) -> GenerationRequest:
        """The request for a planned turn (`qwen_tui.chat.turn_plan.plan_turn`)."""
        return cls(
            messages=plan.messages,
            enable_thinking=plan.enable_thinking,
            sampling=plan.sampling,
            max_new_tokens=plan.max_new_tokens,
            request_id=request_id,
        )


@dataclass(frozen=True)
class LoadProgress:
    """Loading advanced: `done` of `total` units (tensors or bytes)."""

    done: int
    total: int
    unit: str = "tensors"
    message: str = ""


@dataclass(frozen=True)
class EngineReady:
    """The model is loaded and requests will be served."""

    model_name: str
    context_limit: int
    load_seconds: float
    device: str = "cpu"


@dataclass(frozen=True)
class ThinkingDelta:
    request_id: int
    text: str


@dataclass(frozen=True)
class AnswerDelta:
    request_id: int
    text: str


@dataclass(frozen=True)
class GenerationFinished:
    """The turn ended. `thinking` and `answer` are the whole texts, trimmed as the model
    card's parser trims them; `thinking_finished` is False when the reply stopped inside
    the think block."""

    request_id: int
    reason: FinishReason
    stats: GenerationStats
    thinking: str
    answer: str
    thinking_finished: bool = True
    token_ids: tuple[int, ...] = field(default=(), repr=False)


class ErrorKind(StrEnum):
    MODEL_MISSING = "model_missing"
    OUT_OF_MEMORY = "out_of_memory"
    CONTEXT_FULL = "context_full"
    BAD_REQUEST = "bad_request"
    BUSY = "busy"
    INTERNAL = "internal"


@dataclass(frozen=True)
class EngineError:
    """Something went wrong; `message` is one readable line for the user."""

    message: str
    kind: ErrorKind = ErrorKind.INTERNAL
    request_id: int | None = None


EngineEvent = (
    LoadProgress | EngineReady | ThinkingDelta | AnswerDelta | GenerationFinished | EngineError
)
EventSink = Callable[[EngineEvent], None]


class Engine(Protocol):
    """What the UI and CLI rely on. Every method returns at once; work happens on the
    engine's thread and is reported through the sink given to `start`."""

    name: str  # shown in the status bar: "demo", "local", ...
    model_name: str
    context_limit: int

    def start(self, sink: EventSink) -> None:
        """Start the engine thread and begin loading; emits LoadProgress then EngineReady
        (or EngineError)."""

    def submit(self, request: GenerationRequest) -> None:
        """Queue a request; requests run one at a time, in order, never interleaved."""

    def cancel(self) -> None:
        """Stop the running generation within one decode step; it finishes CANCELLED."""

    def count_prompt_tokens(
        self, messages: tuple[dict[str, str], ...], enable_thinking: bool
    ) -> int:
        """Tokens the rendered prompt takes, for the context budget. Thread-safe."""

    def close(self) -> None:
        """Cancel, stop the thread and free the model."""


class EngineFailure(Exception):
    """A failure with a readable one-line message and a kind the UI can act on."""

    def __init__(self, message: str, kind: ErrorKind = ErrorKind.INTERNAL) -> None:
        super().__init__(message)
        self.kind = kind


def reply_room(prompt_tokens: int, context_limit: int) -> int:
    """New tokens the context has room for after the prompt; EngineFailure if none."""
    room = context_limit - prompt_tokens
    if room < 1:
        raise EngineFailure(
            f"the prompt takes {prompt_tokens:,} tokens and the context holds "
            f"{context_limit:,}; drop older turns or start a new conversation",
            ErrorKind.CONTEXT_FULL,
        )
    return room
