"""config.json's sizes, checked before anything is built from them.

transformers' config and the meta-device model loop over `num_hidden_layers` and the
load plan over `num_experts`: a config claiming 10**9 layers would run for hours before
any tensor is compared. So every size must be a whole number within bounds no real
model comes near, and the layer and expert counts must be those the checkpoint's tensor
names show (read from its index or its files' headers, not from its data).
"""

from __future__ import annotations

import re
from collections.abc import Collection, Mapping
from pathlib import Path
from typing import Any

from qwen_tui.engine.base import EngineFailure
from qwen_tui.engine.events import ErrorKind

SIZE_LIMITS = {
    "hidden_size": 2**16,
    "num_hidden_layers": 1024,
    "num_attention_heads": 1024,
    "num_key_value_heads": 1024,
    "head_dim": 4096,
    "intermediate_size": 2**20,
    "moe_intermediate_size": 2**20,
    "num_experts": 4096,
    "num_experts_per_tok": 4096,
    "vocab_size": 2**22,
    "max_position_embeddings": 2**24,
}
"""The largest value each size may have (Qwen3-30B-A3B: 48 layers, 128 experts, ...)."""

_LAYER = re.compile(r"model\.layers\.(\d+)\.")
_EXPERT = re.compile(r"model\.layers\.\d+\.mlp\.experts\.(\d+)\.")


def check_sizes(config: Mapping[str, Any], names: Collection[str] | None, model_dir: Path) -> None:
    """Raise EngineFailure (one line) for a size that is no sane whole number, or a layer or
    expert count the checkpoint's tensor `names` contradict (None: no weights to compare)."""
    where = model_dir / "config.json"
    for key, limit in SIZE_LIMITS.items():
        value = config.get(key)
        if value is None:
            continue
        if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= limit:
            raise EngineFailure(
                f"{where}: {key} is {value!r}; it must be a whole number from 1 to {limit:,}",
                ErrorKind.BAD_REQUEST,
            )
    if not names:
        return
    _compare(where, "num_hidden_layers", config, _indices(_LAYER, names), "layers")
    experts = _indices(_EXPERT, names)
    if experts:  # experts stored one by one (not fused into stacked tensors)
        _compare(where, "num_experts", config, experts, "experts")


def _indices(pattern: re.Pattern[str], names: Collection[str]) -> set[int]:
    return {int(m.group(1)) for m in map(pattern.match, names) if m}


def _compare(where: Path, key: str, config: Mapping[str, Any], found: set[int], what: str) -> None:
    expected = config.get(key)
    if expected is None or found == set(range(expected)):
        return
    held = f"{len(found)} {what} (0 to {max(found)})" if found else f"no {what}"
    raise EngineFailure(
        f"{where}: {key} is {expected:,} but the checkpoint's tensors hold {held}; the config "
        "does not belong to these weights",
        ErrorKind.BAD_REQUEST,
    )
