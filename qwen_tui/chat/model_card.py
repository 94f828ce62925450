"""The numbers Qwen3-30B-A3B's model card gives, in one place.

Everything else reads them from here: the context sizes, the longest reply, the sampling
presets per mode, and the think tags as text (engines with token ids read the tags' ids
from the tokenizer instead).
"""

from __future__ import annotations

from typing import Final, TypedDict


class CardSampling(TypedDict):
    """A sampling preset of the card, before the presence penalty."""

    temperature: float
    top_p: float
    top_k: int
    min_p: float


DEFAULT_MODEL: Final = "Qwen/Qwen3-30B-A3B-GPTQ-Int4"

NATIVE_CONTEXT: Final = 32_768
"""Positions the model was trained on; YaRN scales from here."""
DEFAULT_CONTEXT_LIMIT: Final = 40_960
"""`max_position_embeddings` in config.json: 32,768 out + 8,192 prompt."""
MAX_NEW_TOKENS: Final = 32_768
"""The output length the card advises for most queries."""

THINKING_SAMPLING: Final[CardSampling] = {
    "temperature": 0.6,
    "top_p": 0.95,
    "top_k": 20,
    "min_p": 0.0,
}
"""The card's sampling with thinking on. Never greedy: it degrades and loops."""
NON_THINKING_SAMPLING: Final[CardSampling] = {
    "temperature": 0.7,
    "top_p": 0.8,
    "top_k": 20,
    "min_p": 0.0,
}
"""The card's sampling with thinking off."""
QUANTIZED_PRESENCE_PENALTY: Final = 1.5
"""Quantized models repeat themselves without a presence penalty; the card advises 1.5."""

THINK_OPEN: Final = "<think>"
THINK_CLOSE: Final = "</think>"
