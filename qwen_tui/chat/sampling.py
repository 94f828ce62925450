"""Sampling parameters and the per-mode presets from the Qwen3 model card."""

from __future__ import annotations

from dataclasses import dataclass, fields, replace
from typing import Any

from qwen_tui.chat.model_card import (
    NON_THINKING_SAMPLING,
    QUANTIZED_PRESENCE_PENALTY,
    THINKING_SAMPLING,
)


@dataclass(frozen=True)
class SamplingParams:
    """How the next token is drawn. `temperature == 0` means greedy decoding."""

    temperature: float
    top_p: float
    top_k: int
    min_p: float
    presence_penalty: float

    def __post_init__(self) -> None:
        if self.temperature < 0:
            raise ValueError(f"temperature must be >= 0, got {self.temperature}")
        if not 0 < self.top_p <= 1:
            raise ValueError(f"top_p must be in (0, 1], got {self.top_p}")
        if self.top_k < 0:
            raise ValueError(f"top_k must be >= 0 (0 turns it off), got {self.top_k}")
        if not 0 <= self.min_p < 1:
            raise ValueError(f"min_p must be in [0, 1), got {self.min_p}")
        if not -2 <= self.presence_penalty <= 2:
            raise ValueError(f"presence_penalty must be in [-2, 2], got {self.presence_penalty}")

    @property
    def greedy(self) -> bool:
        return self.temperature == 0

    def with_overrides(self, **overrides: float | int | None) -> SamplingParams:
        """A copy with every override that is not None applied."""
        known = {f.name for f in fields(self)}
        unknown = set(overrides) - known
        if unknown:
            raise ValueError(f"unknown sampling parameter(s): {', '.join(sorted(unknown))}")
        changes: dict[str, Any] = {k: v for k, v in overrides.items() if v is not None}
        return replace(self, **changes)


THINKING_PRESET = SamplingParams(**THINKING_SAMPLING, presence_penalty=QUANTIZED_PRESENCE_PENALTY)
NON_THINKING_PRESET = SamplingParams(
    **NON_THINKING_SAMPLING, presence_penalty=QUANTIZED_PRESENCE_PENALTY
)


def preset_for(thinking: bool, quantized: bool = True) -> SamplingParams:
    """The model card's preset for a mode; unquantized models get no presence penalty."""
    preset = THINKING_PRESET if thinking else NON_THINKING_PRESET
    return preset if quantized else replace(preset, presence_penalty=0.0)


def resolve_sampling(
    thinking: bool, quantized: bool = True, **overrides: float | int | None
) -> tuple[SamplingParams, list[str]]:
    """The preset for `thinking` with the user's overrides, and warnings worth showing."""
    params = preset_for(thinking, quantized).with_overrides(**overrides)
    warnings = []
    if thinking and params.greedy:
        warnings.append(
            "Greedy decoding (temperature 0) in thinking mode makes Qwen3 degrade and loop; "
            "the model card advises temperature 0.6."
        )
    return params, warnings
