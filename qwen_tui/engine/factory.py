"""`create_engine`: the engine the settings ask for, built without loading anything yet.

Engines import their heavy dependencies lazily, so the UI can start at once and watch
the engine load on its own thread.
"""

from __future__ import annotations

from qwen_tui.config import Settings
from qwen_tui.engine.base import Engine, EngineFailure, ErrorKind
from qwen_tui.engine.local_requirements import (
    local_engine_unavailable,
    missing_local_engine_modules,
)


def create_engine(settings: Settings) -> Engine:
    """`demo` gives the `DemoEngine`, `local` the in-process `LocalEngine` (an EngineFailure
    naming the `gpu` extra where that is not installed)."""
    if settings.engine == "demo":
        from qwen_tui.chat.budget import context_limit_for
        from qwen_tui.engine.demo import DemoEngine

        return DemoEngine(context_limit=context_limit_for(settings.yarn_factor))
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
    return LocalEngine(settings)
