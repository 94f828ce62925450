"""Find a model's files: a local directory, or a hub repo id already in the local cache;
and say plainly when one of them cannot be read.

Nothing is downloaded here: the app runs offline, so a missing model gets an error that
says where we looked and how to fetch it.
"""

from __future__ import annotations

import errno
import json
import os
from pathlib import Path

from huggingface_hub import constants, snapshot_download
from huggingface_hub.errors import HFValidationError, LocalEntryNotFoundError

from qwen_tui.engine.base import EngineFailure
from qwen_tui.engine.events import ErrorKind


def resolve_model_dir(model: str) -> Path:
    """The directory holding `config.json` for `model`, or an EngineFailure saying why not."""
    path = Path(model).expanduser()
    if path.is_dir():
        if not os.access(path, os.R_OK | os.X_OK):  # else it would look empty
            raise unreadable(path, PermissionError(errno.EACCES, os.strerror(errno.EACCES)))
        if not (path / "config.json").is_file():
            raise EngineFailure(
                f"{path} has no config.json: point --model at a Hugging Face model directory",
                ErrorKind.MODEL_MISSING,
            )
        return path
    if path.exists():
        raise EngineFailure(f"{path} is a file: --model takes a directory", ErrorKind.MODEL_MISSING)
    if model.startswith((".", "/", "~")) or model.count("/") != 1:
        raise EngineFailure(f"model directory {path} does not exist", ErrorKind.MODEL_MISSING)
    try:
        return Path(snapshot_download(model, local_files_only=True))
    except (LocalEntryNotFoundError, HFValidationError, OSError) as exc:
        raise EngineFailure(
            f"{model} is not in the local cache ({constants.HF_HUB_CACHE}) nor a directory; "
            f"download it with `hf download {model}` on a machine with network, "
            "or pass --model DIR",
            ErrorKind.MODEL_MISSING,
        ) from exc


def check_readable(path: Path) -> None:
    """Raise an EngineFailure saying what is wrong unless `path` opens for reading.

    Needed before safetensors opens a file: it reports every failure to open one, a
    permission denied included, as "No such file or directory"."""
    try:
        with path.open("rb"):
            pass
    except OSError as exc:
        raise unreadable(path, exc) from exc


def unreadable(path: Path, exc: OSError) -> EngineFailure:
    """The one-line failure for a model file that cannot be read, with what to do."""
    if isinstance(exc, PermissionError):
        fix = f"give your user read access (e.g. chmod a+r{'x' if path.is_dir() else ''} {path})"
    elif isinstance(exc, FileNotFoundError | IsADirectoryError | NotADirectoryError):
        fix = "restore it from the model's original files"
    else:
        fix = "check the disk, or restore the file from the model's original files"
    reason = (exc.strerror or type(exc).__name__).lower()
    return EngineFailure(f"cannot read {path} ({reason}); {fix}", ErrorKind.MODEL_MISSING)


def describe_model_location(model: str) -> str:
    """Where `model` would load from, or why it cannot; for `qwen-chat doctor`."""
    try:
        return str(resolve_model_dir(model))
    except EngineFailure as exc:
        return f"not found: {exc}"


def config_json_problem(path: Path) -> str | None:
    """Why the model's config.json cannot load (the engine would refuse it), if it cannot.
    Read as the loader reads it: a regular file of a sane size only."""
    from qwen_tui.engine.model_json import MAX_JSON_BYTES
    from qwen_tui.regular_files import UnreadableFile, read_regular_file

    fix = "restore it from the model's original files"
    try:
        config = json.loads(read_regular_file(path, max_bytes=MAX_JSON_BYTES).decode("utf-8"))
    except json.JSONDecodeError as exc:
        return f"config.json is not valid JSON (line {exc.lineno}, column {exc.colno}); {fix}"
    except RecursionError:
        return f"config.json is not valid JSON (nested too deeply); {fix}"
    except UnreadableFile as exc:
        return f"cannot read config.json ({exc.reason}); {fix}"
    except (OSError, UnicodeDecodeError) as exc:
        return f"cannot read config.json ({exc}); {fix}"
    if not isinstance(config, dict):
        return f"config.json holds a {type(config).__name__}, not a JSON object; {fix}"
    return None


def loadable_model_dir(model: str) -> Path:
    """`model`'s directory once its files show a checkpoint the local engine loads (its
    config.json, the weights' names, the quantization; no weight is read); an EngineFailure
    in one line otherwise."""
    from qwen_tui.engine.model_needs import read_needs

    model_dir = resolve_model_dir(model)
    problem = config_json_problem(model_dir / "config.json")
    if problem is not None:
        raise EngineFailure(f"{model_dir}: {problem}", ErrorKind.MODEL_MISSING)
    read_needs(model_dir)
    return model_dir
