"""The contract every engine meets: requests in, events out, cancel at any time.

An engine owns one worker thread (see `worker.py`). A front-end hands it a
`GenerationRequest`; the engine answers with events (`events.py`) passed to the
`EventSink` callback it was started with. The callback is called from the engine's own
thread, so it must be thread-safe (Textual's `post_message` is).

What only some engines can do is on the contract too, with a default that says "not
here": front-ends ask the engine, they never probe it with `hasattr`.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

from qwen_tui.chat.continuation import PartialReply
from qwen_tui.chat.model_card import DEFAULT_CONTEXT_LIMIT, MAX_NEW_TOKENS
from qwen_tui.chat.sampling import SamplingParams
from qwen_tui.chat.switches import thinking_mode
from qwen_tui.engine.events import ErrorKind, EventSink

if TYPE_CHECKING:
    from qwen_tui.chat.turn_plan import TurnPlan

TemplateMessages = tuple[dict[str, str], ...]
"""`{"role": ..., "content": ...}` dicts, as the chat template takes them."""
ToolSpecs = Sequence[Mapping[str, Any]]
"""Functions offered to the model, as the chat template's `tools` takes them (OpenAI shape)."""


@dataclass(frozen=True)
class GenerationRequest:
    """One assistant turn to generate.

    `messages` are template messages whose earlier assistant turns already carry their
    answer only, never their thinking. `enable_thinking` is the hard switch passed to the
    chat template.
    """

    messages: TemplateMessages
    enable_thinking: bool
    sampling: SamplingParams
    max_new_tokens: int = MAX_NEW_TOKENS
    request_id: int = 0
    seed: int | None = None
    """Seeds this reply's sampler where the engine can (None: the engine's own choice)."""
    thinking_budget: int | None = None
    """Thinking tokens after which the engine ends the thinking (`thinking_budget.py`)."""
    continues: PartialReply | None = None
    """Go on with this cut-off reply (its prefill follows the prompt) instead of starting
    one; the finished event then holds the whole reply's texts. Only where `can_continue`."""

    def prefill(self) -> str:
        """The partial reply's text as the model reads it after the prompt ("" if none)."""
        if self.continues is None:
            return ""
        mode = thinking_mode(self.messages, self.enable_thinking)
        return self.continues.prefill(self.enable_thinking, mode)

    tools: tuple[dict[str, Any], ...] = ()
    """Functions offered to the model (the chat template's `tools`, OpenAI shape)."""

    def __post_init__(self) -> None:
        if not self.messages:
            raise ValueError("a request needs at least one message")
        if self.max_new_tokens < 1:
            raise ValueError(f"max_new_tokens must be >= 1, got {self.max_new_tokens}")
        if self.thinking_budget is not None and self.thinking_budget < 1:
            raise ValueError(f"thinking_budget must be >= 1, got {self.thinking_budget}")

    @classmethod
    def from_plan(cls, plan: TurnPlan, request_id: int) -> GenerationRequest:
        """The request for a planned turn (`qwen_tui.chat.turn_plan.plan_turn`)."""
        return cls(
            messages=plan.messages,
            enable_thinking=plan.enable_thinking,
            sampling=plan.sampling,
            max_new_tokens=plan.max_new_tokens,
            request_id=request_id,
            seed=plan.seed,
            thinking_budget=plan.thinking_budget,
        )


@dataclass(frozen=True)
class RenderedPrompt:
    """The exact prompt text the template produced and its token ids."""

    text: str
    ids: tuple[int, ...]


@dataclass(frozen=True)
class DeviceMemory:
    """Accelerator memory this process holds, out of the card's total, in bytes."""

    held: int
    total: int


class PlaybackControls(Protocol):
    """What an engine that plays a recording back lets the user do."""

    def toggle_pause(self) -> bool:
        """Pause if playing, play if paused; True when now paused."""
        ...

    def played_seconds(self) -> float:
        """Seconds of the recording played so far, in its own time: a clock for what the
        front-end times, which stands still while paused."""
        ...


class Engine(ABC):
    """What every front-end relies on. Every method returns at once; work happens on the
    engine's thread and is reported through the sink given to `start`."""

    name: str = "engine"
    """Shown in the status bar and recorded in sessions: "demo", "local", ..."""
    model_name: str = ""
    """The model's name once the engine knows it; "" until then."""
    context_limit: int = DEFAULT_CONTEXT_LIMIT
    quantized: bool | None = None
    """Whether the weights are quantized (the card's presence-penalty preset applies);
    None while the engine does not know, which front-ends treat as quantized."""
    playback: PlaybackControls | None = None
    """Set by an engine that plays a recording back instead of running a model."""
    can_continue: bool = False
    """Whether requests may carry `continues` (the engine renders the prefill itself)."""

    @abstractmethod
    def start(self, sink: EventSink) -> None:
        """Start the engine thread and begin loading; emits LoadProgress then EngineReady
        (or EngineError)."""

    @abstractmethod
    def submit(self, request: GenerationRequest) -> None:
        """Queue a request; requests run one at a time, in order, never interleaved."""

    @abstractmethod
    def cancel(self) -> None:
        """Stop the running generation within one decode step; it finishes CANCELLED."""

    @abstractmethod
    def count_prompt_tokens(
        self, messages: TemplateMessages, enable_thinking: bool, tools: ToolSpecs | None = None
    ) -> int:
        """Tokens the rendered prompt takes with `tools` offered (the template writes their
        schemas into the system turn), for the context budget. Thread-safe."""

    @abstractmethod
    def close(self) -> None:
        """Cancel, stop the thread and free the model."""

    def render_prompt(
        self,
        messages: Sequence[Mapping[str, Any]],
        enable_thinking: bool,
        tools: ToolSpecs | None = None,
    ) -> RenderedPrompt | None:
        """The exact prompt the model sees with `tools` offered, where the engine renders
        it itself."""
        return None

    def served_models(self) -> tuple[str, ...] | None:
        """The models the server behind the engine serves, for `/model`; None where the
        engine runs its model itself. Blocking (it asks the server): call it off the UI
        thread. Raises EngineFailure (one line) when the server cannot say."""
        return None

    def memory_in_use(self) -> DeviceMemory | None:
        """Accelerator memory held, where the engine runs on one. Cheap (no device sync)."""
        return None


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
