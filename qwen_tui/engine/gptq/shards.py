"""The safetensors files of a checkpoint: which tensors they hold, and reading them.

Headers are read first (no tensor data), so a missing, truncated or inconsistent file is
reported before anything big is loaded.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

import torch
from safetensors import SafetensorError, safe_open

from qwen_tui.engine.base import EngineFailure
from qwen_tui.engine.events import ErrorKind
from qwen_tui.engine.model_files import check_readable, unreadable

INDEX_FILE = "model.safetensors.index.json"
_DTYPE_BYTES = {
    "F64": 8,
    "F32": 4,
    "F16": 2,
    "BF16": 2,
    "I64": 8,
    "I32": 4,
    "I16": 2,
    "I8": 1,
    "U8": 1,
    "BOOL": 1,
    "F8_E4M3": 1,
    "F8_E5M2": 1,
}


@dataclass(frozen=True)
class TensorInfo:
    file: Path
    shape: tuple[int, ...]
    dtype: str

    @property
    def nbytes(self) -> int:
        count = 1
        for size in self.shape:
            count *= size
        return count * _DTYPE_BYTES.get(self.dtype, 4)


class Shards:
    """Every tensor of the safetensors checkpoint in `model_dir`, by name."""

    def __init__(self, model_dir: Path) -> None:
        self.model_dir = model_dir
        self.files = _shard_files(model_dir)
        self.tensors: dict[str, TensorInfo] = {}
        for file in self.files:
            for name, info in _read_header(file).items():
                if name in self.tensors:
                    raise _corrupt(
                        f"tensor {name} is in both {self.tensors[name].file.name} and {file.name}"
                    )
                self.tensors[name] = info

    def read(self, names: Iterable[str]) -> Iterator[tuple[str, torch.Tensor]]:
        """Yield (name, CPU tensor) for `names`, one file at a time, in file order."""
        wanted = set(names)
        for file in self.files:
            here = [n for n, info in self.tensors.items() if info.file == file and n in wanted]
            if not here:
                continue
            try:
                with safe_open(str(file), framework="pt", device="cpu") as handle:
                    for name in here:
                        yield name, handle.get_tensor(name)
            except SafetensorError as exc:
                raise _corrupt(f"{file.name} could not be read ({exc}); download it again") from exc
            except OSError as exc:
                raise unreadable(file, exc) from exc


def _shard_files(model_dir: Path) -> list[Path]:
    index = model_dir / INDEX_FILE
    if index.is_file():
        try:
            weight_map = json.loads(index.read_text(encoding="utf-8"))["weight_map"]
        except OSError as exc:
            raise unreadable(index, exc) from exc
        except (json.JSONDecodeError, KeyError, TypeError) as exc:
            raise _corrupt(f"{index} is not a valid safetensors index ({exc})") from exc
        files = [model_dir / name for name in dict.fromkeys(weight_map.values())]
        missing = [f.name for f in files if not f.is_file()]
        if missing:
            raise _corrupt(
                f"{model_dir}: {', '.join(missing)} listed in {INDEX_FILE} "
                "is missing; download the model again"
            )
        return files
    files = sorted(model_dir.glob("*.safetensors"))
    if not files:
        raise EngineFailure(
            f"{model_dir} has no .safetensors weights; qwen-chat loads safetensors checkpoints",
            ErrorKind.MODEL_MISSING,
        )
    return files


def _read_header(file: Path) -> dict[str, TensorInfo]:
    check_readable(file)
    try:
        with safe_open(str(file), framework="pt", device="cpu") as handle:
            result = {}
            for name in handle.keys():
                part = handle.get_slice(name)
                result[name] = TensorInfo(file, tuple(part.get_shape()), part.get_dtype())
            return result
    except SafetensorError as exc:
        raise _corrupt(f"{file} is truncated or corrupt ({exc}); download it again") from exc
    except OSError as exc:  # it went away or became unreadable since the check
        raise unreadable(file, exc) from exc


def _corrupt(message: str) -> EngineFailure:
    return EngineFailure(message, ErrorKind.MODEL_MISSING)
