"""`ModelSpec`: which model an in-process engine loads, and how."""

from __future__ import annotations

from dataclasses import dataclass

from qwen_tui.chat.model_card import DEFAULT_MODEL


@dataclass(frozen=True)
class ModelSpec:
    """A model directory or hub repo id, and the device, dtype and rope scaling to load
    it with ("auto" picks the GPU and bfloat16 where there is one)."""

    model: str = DEFAULT_MODEL
    device: str = "auto"
    dtype: str = "auto"
    yarn_factor: float | None = None
