"""What `/set` alone shows: each value the next turn runs with and where it came from (the
model card's preset for the turn's mode, config.toml, a command-line flag, or `/set`)."""

from __future__ import annotations

from dataclasses import asdict, dataclass

from qwen_tui.chat.sampling import resolve_sampling
from qwen_tui.chat.tuning import LIMIT_NAMES, TUNABLE, TunedValue, Tuning
from qwen_tui.config import FROM_CONFIG, FROM_FLAG, Settings

SET_SOURCE = "/set"


@dataclass(frozen=True)
class TuningRow:
    """One line of the table: a value as shown, and where it came from."""

    name: str
    value: str
    source: str


@dataclass(frozen=True)
class Mode:
    """What picks the preset: the turn's mode, and whether the weights are quantized."""

    thinking: bool
    quantized: bool = True


def tuning_rows(settings: Settings, tuning: Tuning, mode: Mode) -> list[TuningRow]:
    """Every value `/set` changes, as a turn in `mode` gets it."""
    return [
        TuningRow(name, shown_value(name, value), source_of(name, settings, tuning, mode))
        for name, value in tuned_values(settings, tuning, mode).items()
    ]


def tuned_values(settings: Settings, tuning: Tuning, mode: Mode) -> dict[str, TunedValue]:
    """The values a turn in `mode` runs with, by name, in `TUNABLE`'s order."""
    effective = tuning.applied(settings)
    overrides = effective.sampling.as_dict()
    sampling, _ = resolve_sampling(mode.thinking, mode.quantized, **overrides)
    values: dict[str, TunedValue] = asdict(sampling)
    values |= {name: getattr(effective, name) for name in LIMIT_NAMES}
    return {name: values[name] for name in TUNABLE}


def shown_value(name: str, value: TunedValue) -> str:
    """`0.6`, `32,768`, or `off` for no thinking budget."""
    if value is None:
        return "off"
    if name in LIMIT_NAMES:
        return f"{value:,}"
    return f"{value:g}"


def source_of(name: str, settings: Settings, tuning: Tuning, mode: Mode) -> str:
    """Where the value of `name` comes from, in a few words."""
    if name in tuning.values:
        return SET_SOURCE
    origin = settings.origins.get(name)
    if origin == FROM_FLAG:
        return f"flag --{name.replace('_', '-')}"
    if origin == FROM_CONFIG:
        return "config.toml"
    if name == "presence_penalty":  # the card's 1.5 against repetition, for quantized weights
        return f"preset: {'quantized' if mode.quantized else 'unquantized'} model"
    if name == "max_new_tokens":
        return "model card"
    if name == "thinking_budget":
        return "default: no limit"
    return f"preset: {'thinking' if mode.thinking else 'non-thinking'} mode"
