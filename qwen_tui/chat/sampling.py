"""Sampling parameters and the per-mode presets from the Qwen3 model card.

Values are checked against what the samplers compute in float32, not only against their
mathematical range: a temperature of 1e-40 is 0 in float32 and divides logits into
inf/nan, and a top_p of 1e-300 rounds to 0 and drops every token.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, fields, replace
from typing import Any

from qwen_tui.chat.model_card import (
    NON_THINKING_SAMPLING,
    QUANTIZED_PRESENCE_PENALTY,
    THINKING_SAMPLING,
)

MIN_TEMPERATURE = 1e-5
"""The smallest temperature above 0 (greedy); the GPU sampler clamps to it as well."""
MIN_TOP_P = 1e-6
"""The smallest top_p; below 1/vocabulary (6.6e-6 for Qwen3) only the top token is kept."""


@dataclass(frozen=True)
class SamplingParams:
    """How the next token is drawn. `temperature == 0` means greedy decoding."""

    temperature: float
    top_p: float
    top_k: int
    min_p: float
    presence_penalty: float

    def __post_init__(self) -> None:
        for field in fields(self):
            value = getattr(self, field.name)
            if not isinstance(value, int | float) or not math.isfinite(value):
                raise ValueError(f"{field.name} must be a finite number, got {value!r}")
        if self.temperature < 0 or 0 < self.temperature < MIN_TEMPERATURE:
            raise ValueError(
                f"temperature must be 0 (greedy) or at least {MIN_TEMPERATURE:g}, "
                f"got {self.temperature:g}"
            )
        if not MIN_TOP_P <= self.top_p <= 1:
            raise ValueError(
                f"top_p must be at least {MIN_TOP_P:g} and at most 1, got {self.top_p:g}"
            )
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
