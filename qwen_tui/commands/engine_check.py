"""Before a chat UI opens: an engine that cannot start ends the command with one line.

A UI whose engine then fails to load can send nothing, and the reason would only flash
by; what can be known without loading anything (and without importing torch) is checked
here instead: the local engine is installed, and its model's files are where it looks and
are a checkpoint it loads (a Qwen3 config, safetensors weights, a supported quantization).
"""

from __future__ import annotations

from qwen_tui.commands.session_helpers import fail
from qwen_tui.config import Settings
from qwen_tui.engine.base import EngineFailure
from qwen_tui.engine.local_requirements import (
    local_engine_unavailable,
    missing_local_engine_modules,
)
from qwen_tui.engine.model_needs import read_needs
from qwen_tui.library_output import adopt_library_loggers

ADVICE = "`qwen-chat doctor` checks this machine; --engine demo runs without a model"


def require_startable_engine(settings: Settings) -> None:
    """Exit with status 2 and one line on stderr when the local engine is not installed
    or has no model to load; return for an engine that can start."""
    if settings.engine != "local":
        return
    missing = missing_local_engine_modules()
    if missing:
        raise fail(local_engine_unavailable(missing))
    # Imported here: the hub client it needs would slow every `qwen-chat` start.
    from qwen_tui.engine.model_files import config_json_problem, resolve_model_dir

    adopt_library_loggers()  # the hub client prints its own warnings
    try:
        model_dir = resolve_model_dir(settings.model)
    except EngineFailure as exc:
        raise fail(f"{exc}; {ADVICE}") from None
    problem = config_json_problem(model_dir / "config.json")
    if problem is not None:
        raise fail(f"{model_dir}: {problem}")
    try:
        read_needs(model_dir)  # a Qwen3 model, safetensors weights, a quantization we load
    except EngineFailure as exc:
        raise fail(str(exc)) from None
