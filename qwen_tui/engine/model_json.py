"""Reading a model directory's JSON files (config.json, the safetensors index, ...) safely.

Only a regular file of a sane size is read (a FIFO would block, /dev/zero fill memory);
bad JSON, JSON nested too deeply for the parser and a value that is not a JSON object are
each one EngineFailure line naming the file.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from qwen_tui.engine.base import EngineFailure
from qwen_tui.engine.events import ErrorKind
from qwen_tui.engine.model_files import unreadable
from qwen_tui.regular_files import MIB, UnreadableFile, read_regular_file

MAX_JSON_BYTES = 64 * MIB
"""Far above any config or index (the 30B model's index is 2.4 MB)."""


def read_model_json(path: Path, what: str) -> dict[str, Any]:
    """The JSON object in `path`, `what` naming it in errors ("config", "safetensors
    index", ...). FileNotFoundError passes through for files that may be absent."""
    try:
        data = json.loads(read_regular_file(path, max_bytes=MAX_JSON_BYTES).decode("utf-8"))
    except FileNotFoundError:
        raise
    except UnreadableFile as exc:
        if isinstance(exc.__cause__, OSError):  # could not be opened: say how to fix that
            raise unreadable(path, exc.__cause__) from None
        raise EngineFailure(f"{exc}; the {what} cannot be read", ErrorKind.MODEL_MISSING) from None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise _invalid(path, what, str(exc)) from None
    except RecursionError:
        raise _invalid(path, what, "nested too deeply") from None
    if not isinstance(data, dict):
        raise _invalid(path, what, "not a JSON object")
    return data


def _invalid(path: Path, what: str, reason: str) -> EngineFailure:
    return EngineFailure(
        f"{path} is not a valid {what} ({reason}); download the model's files again",
        ErrorKind.MODEL_MISSING,
    )
