"""`create_engine`: the engine the settings ask for, built without loading anything yet.

Engines import their heavy dependencies lazily, so the UI can start at once and watch
the engine load on its own thread.
"""

from __future__ import annotations

from qwen_tui.config import Settings
from qwen_tui.engine.base import Engine, EngineFailure
from qwen_tui.engine.events import ErrorKind
from qwen_tui.engine.spec import ModelSpec


def create_engine(settings: Settings) -> Engine:
    """`demo` gives the `DemoEngine`; `local` and `auto` the in-process `LocalEngine`
    with the model the settings name."""
    if settings.engine == "demo":
        from qwen_tui.chat.budget import context_limit_for
        from qwen_tui.engine.scripted.demo import DemoEngine

        return DemoEngine(context_limit=context_limit_for(settings.yarn_factor))
    try:
        from qwen_tui.engine.local import LocalEngine
    except ImportError as exc:
        raise EngineFailure(
            f"the local engine is not available ({exc}); try --engine demo",
            ErrorKind.MODEL_MISSING,
        ) from exc
    spec = ModelSpec(settings.model, settings.device, settings.dtype, settings.yarn_factor)
    return LocalEngine(spec)
