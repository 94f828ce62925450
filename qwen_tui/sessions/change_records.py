"""What a conversation changes about itself on the way, in its session file:

    {"type": "set", "at": ..., "name": "temperature", "value": 0.3}
    {"type": "set", "at": ..., "name": "temperature", "default": true}
    {"type": "model", "at": ..., "model": ..., "engine": ..., "settings": {...}}

A `set` line is `/set NAME VALUE` (a thinking budget of `null`: no limit), or with
`"default": true` `/set NAME default`; the loader replays them into the conversation's
`Tuning`. A name this version does not know (a newer one's) is skipped. A `model` line is
`/model NAME`: the model the conversation goes on with, read as a `resume` line is, so
`qwen-chat resume` continues on it. Older readers skip both kinds.
"""

from __future__ import annotations

from typing import Any

from qwen_tui.chat.tuning import TUNABLE, TunedValue, Tuning, check_value
from qwen_tui.config import Settings

Record = dict[str, Any]
SET_TYPE = "set"
MODEL_TYPE = "model"


def set_record(name: str, value: TunedValue, at: str) -> Record:
    """`/set NAME VALUE`."""
    return {"type": SET_TYPE, "at": at, "name": name, "value": value}


def reset_record(name: str, at: str) -> Record:
    """`/set NAME default`."""
    return {"type": SET_TYPE, "at": at, "name": name, "default": True}


def tuned_by(tuning: Tuning, record: Record) -> Tuning:
    """`tuning` after a `set` record; KeyError, TypeError or ValueError if it is malformed."""
    name = record["name"]
    if not isinstance(name, str):
        raise TypeError("'name' must be a string")
    if name not in TUNABLE:
        return tuning
    if record.get("default") is True:
        return tuning.without(name)
    return tuning.with_value(name, check_value(name, record["value"]))


def model_record(*, settings: Settings, engine_name: str, model_name: str, at: str) -> Record:
    """`/model NAME`: the engine and model the conversation runs on from here."""
    return {
        "type": MODEL_TYPE,
        "at": at,
        "model": model_name,
        "engine": engine_name,
        "settings": settings.as_record(),
    }
