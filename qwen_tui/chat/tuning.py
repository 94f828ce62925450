"""`/set`: the sampling values and limits one conversation changes for itself.

A value set with `/set` holds for the rest of the conversation, whichever mode a turn
runs in; a value it leaves alone comes from the command line, config.toml, or the model
card's preset for the mode of the turn (`chat.sampling`), in that order. The values are
checked as the samplers compute them (see `chat.sampling`), each refusal one line that
names the range.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from qwen_tui.chat.sampling import MIN_TEMPERATURE, MIN_TOP_P
from qwen_tui.config import Settings

TunedValue = float | int | None
"""A value `/set` gives: a number, or None for a thinking budget of no limit."""

SAMPLING_NAMES = ("temperature", "top_p", "top_k", "min_p", "presence_penalty")
LIMIT_NAMES = ("max_new_tokens", "thinking_budget")
TUNABLE = SAMPLING_NAMES + LIMIT_NAMES
"""What `/set` changes, in the order `/set` alone lists them."""
RESET_WORDS = ("default", "reset")
"""`/set NAME default` returns NAME to where it came from before `/set`."""
NO_LIMIT_WORDS = ("off", "none")
"""`/set thinking_budget off`: no thinking budget."""

_WHOLE = {"top_k", "max_new_tokens", "thinking_budget"}
_LARGEST = 2**31 - 1  # beyond any vocabulary or context; a float of it is still exact
_RANGES = {
    "temperature": f"0 (greedy) or a number from {MIN_TEMPERATURE:g} up",
    "top_p": f"a number above 0 and at most 1 (from {MIN_TOP_P:g})",
    "top_k": "a whole number, 0 or more (0 turns it off)",
    "min_p": "a number from 0 up to, not including, 1",
    "presence_penalty": "a number from -2 to 2",
    "max_new_tokens": "a whole number, 1 or more",
    "thinking_budget": "a whole number of thinking tokens, 1 or more, or off",
}


@dataclass(frozen=True)
class Tuning:
    """What `/set` chose in one conversation, by name; a name it has not set is left to
    the settings and the mode's preset."""

    values: Mapping[str, TunedValue] = field(default_factory=dict)

    def with_value(self, name: str, value: TunedValue) -> Tuning:
        return Tuning({**self.values, name: value})

    def without(self, name: str) -> Tuning:
        return Tuning({k: v for k, v in self.values.items() if k != name})

    def applied(self, settings: Settings) -> Settings:
        """`settings` with every value set here in place of its own."""
        if not self.values:
            return settings
        sampling: dict[str, Any] = {k: v for k, v in self.values.items() if k in SAMPLING_NAMES}
        limits: dict[str, Any] = {k: v for k, v in self.values.items() if k in LIMIT_NAMES}
        return replace(settings, sampling=replace(settings.sampling, **sampling), **limits)


def tunable_name(name: str) -> str:
    """`name` as `/set` knows it (`top-p` is `top_p`); ValueError naming the choices."""
    key = name.strip().lower().replace("-", "_")
    if key not in TUNABLE:
        raise ValueError(f"/set has no {name!r}; it sets {', '.join(TUNABLE)}")
    return key


def parse_value(name: str, text: str, context_limit: int) -> TunedValue:
    """The value `text` gives `name` (a `tunable_name`), checked; ValueError in one line
    naming the range otherwise. `max_new_tokens` must fit in `context_limit`."""
    word = text.strip()
    if name == "thinking_budget" and word.lower() in NO_LIMIT_WORDS:
        return None
    try:  # 1,024 as the table shows it
        value: float | int = int(word.replace(",", "")) if name in _WHOLE else float(word)
    except ValueError:
        raise ValueError(_refusal(name, word, context_limit)) from None
    try:
        return check_value(name, value, context_limit)
    except ValueError:
        raise ValueError(_refusal(name, word, context_limit)) from None


def check_value(name: str, value: object, context_limit: int | None = None) -> TunedValue:
    """`value` if `name` takes it (a session's `set` record, or a parsed one), else
    ValueError; without `context_limit` any length of reply is taken."""
    if value is None and name == "thinking_budget":
        return None
    if (
        isinstance(value, bool)
        or not isinstance(value, int | float)
        or (name in _WHOLE and not isinstance(value, int))
        or (isinstance(value, float) and not math.isfinite(value))
        or abs(value) > _LARGEST
        or not _within(name, value, context_limit)
    ):
        raise ValueError(f"{name} takes {_range(name, context_limit)}, got {value!r}")
    return value


def _within(name: str, value: float, context_limit: int | None) -> bool:
    if name == "temperature":
        return value == 0 or value >= MIN_TEMPERATURE
    if name == "top_p":
        return MIN_TOP_P <= value <= 1
    if name == "min_p":
        return 0 <= value < 1
    if name == "presence_penalty":
        return -2 <= value <= 2
    if name == "max_new_tokens":
        return 1 <= value and (context_limit is None or value <= context_limit)
    return value >= (1 if name == "thinking_budget" else 0)


def _range(name: str, context_limit: int | None) -> str:
    if name == "max_new_tokens" and context_limit is not None:
        return f"a whole number from 1 to {context_limit:,}, the size of the context"
    return _RANGES[name]


def _refusal(name: str, text: str, context_limit: int) -> str:
    return f"{name} takes {_range(name, context_limit)}; got {text!r}"
