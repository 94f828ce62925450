"""`create_engine`: the engine the settings ask for, built without loading anything yet.

Engines import their heavy dependencies lazily, so the UI can start at once and watch
the engine load on its own thread.
"""

from __future__ import annotations

import math
import os

from qwen_tui.chat.budget import context_limit_for
from qwen_tui.config import Settings
from qwen_tui.engine.base import Engine, EngineFailure
from qwen_tui.engine.events import ErrorKind
from qwen_tui.engine.local_requirements import (
    local_engine_unavailable,
    missing_local_engine_modules,
)
from qwen_tui.engine.spec import ModelSpec

DEMO_SPEED_VARIABLE = "QWEN_TUI_DEMO_SPEED"
"""Tokens per second the demo engine streams at (`inf`: as fast as it can, for tests)."""


def create_engine(settings: Settings) -> Engine:
    """`demo` gives the `DemoEngine`; `openai` the client of the server at
    `settings.base_url`; `local` the in-process `LocalEngine` with the model the settings
    name (an EngineFailure naming the `gpu` extra where that is not installed)."""
    if settings.engine == "demo":
        from qwen_tui.engine.scripted.demo import DemoEngine

        return DemoEngine(demo_speed(), context_limit=context_limit_for(settings.yarn_factor))
    if settings.engine == "openai":
        return _remote_engine(settings)
    missing = missing_local_engine_modules()
    if missing:
        raise EngineFailure(local_engine_unavailable(missing), ErrorKind.MODEL_MISSING)
    try:
        from qwen_tui.engine.local import LocalEngine
    except ImportError as exc:
        raise EngineFailure(
            f"the local engine is not available ({exc}); try --engine demo",
            ErrorKind.MODEL_MISSING,
        ) from exc
    spec = ModelSpec(settings.model, settings.device, settings.dtype, settings.yarn_factor)
    return LocalEngine(spec)


def demo_speed() -> float:
    """The demo engine's pace: `QWEN_TUI_DEMO_SPEED` tokens/s if set, else a reading pace."""
    from qwen_tui.engine.scripted.demo import READING_PACE

    text = os.environ.get(DEMO_SPEED_VARIABLE, "").strip()
    if not text:
        return READING_PACE
    try:
        speed = float(text)
    except ValueError:
        speed = math.nan
    if not speed > 0:  # also refuses nan
        raise EngineFailure(
            f"{DEMO_SPEED_VARIABLE} is {text!r}; give tokens per second above 0 (or inf)",
            ErrorKind.BAD_REQUEST,
        )
    return speed


def _remote_engine(settings: Settings) -> Engine:
    from qwen_tui.engine.remote.engine import OpenAIEngine, RemoteSpec

    if not settings.base_url:
        raise EngineFailure(
            "--engine openai needs the server's address: pass --base-url URL "
            "(e.g. http://localhost:8000/v1) or set base_url in config.toml",
            ErrorKind.BAD_REQUEST,
        )
    spec = RemoteSpec(
        base_url=settings.base_url,
        model=settings.model,
        api_key=settings.api_key,
        context_limit=context_limit_for(settings.yarn_factor),
    )
    return OpenAIEngine(spec)
