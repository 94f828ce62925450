"""What an engine reports, from its own thread, through the `EventSink` it was started with.

Loading emits `LoadProgress` then `EngineReady` (or an `EngineError`); a request emits
`PrefillStarted`, then `TextDelta`s (the reply's thinking and answer as they stream), and
ends with one `GenerationFinished`, after an `EngineError` if it failed.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from enum import StrEnum

from qwen_tui.chat.messages import FinishReason, GenerationStats
from qwen_tui.chat.parts import TextDelta


@dataclass(frozen=True)
class LoadProgress:
    """Loading advanced: `done` of `total` units (tensors or bytes); `message` says what
    is being done."""

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
class PrefillStarted:
    """The engine began reading request `request_id`'s prompt of `prompt_tokens` tokens;
    the reply's first delta follows when it is done (a long prompt takes seconds), so a
    front-end can say "reading the prompt" instead of looking frozen."""

    request_id: int
    prompt_tokens: int


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
    thinking_budget_reached: bool = False
    """The engine ended the thinking at the request's thinking budget."""


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
    LoadProgress | EngineReady | PrefillStarted | TextDelta | GenerationFinished | EngineError
)
EventSink = Callable[[EngineEvent], None]
