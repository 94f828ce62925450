"""The safetensors files of a checkpoint: which tensors they hold, and reading them.

Headers are read first (no tensor data), so a missing, truncated or inconsistent file is
reported before anything big is loaded.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

import torch
from safetensors import SafetensorError, safe_open

from qwen_tui.engine.base import EngineFailure
from qwen_tui.engine.events import ErrorKind
from qwen_tui.engine.gptq.bulk_read import TruncatedShard, plan_blocks, read_blocks, stored_tensors
from qwen_tui.engine.model_files import check_readable, unreadable
from qwen_tui.engine.model_json import read_model_json

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
        self.files = shard_files(model_dir)
        self.tensors: dict[str, TensorInfo] = {}
        for file in self.files:
            for name, info in _read_header(file).items():
                if name in self.tensors:
                    raise _corrupt(
                        f"tensor {name} is in both {self.tensors[name].file.name} and {file.name}"
                    )
                self.tensors[name] = info

    def read(
        self, names: Iterable[str], device: torch.device
    ) -> Iterator[tuple[str, torch.Tensor]]:
        """Yield (name, tensor on `device`) for `names`, in file order, read in large
        blocks (`bulk_read`). Each tensor is a view of its block: copy it before the next."""
        wanted = set(names)
        blocks = []
        for file in self.files:
            here = [n for n, info in self.tensors.items() if info.file == file and n in wanted]
            if here:
                try:
                    stored = stored_tensors(file)
                except OSError as exc:
                    raise unreadable(file, exc) from exc
                blocks += plan_blocks(file, [stored[name] for name in here])
        try:
            yield from read_blocks(blocks, device)
        except TruncatedShard as exc:
            raise _corrupt(f"{exc.file.name} is truncated; download it again") from exc
        except OSError as exc:
            raise unreadable(Path(exc.filename or self.model_dir), exc) from exc


def tensor_names(model_dir: Path) -> set[str] | None:
    """The names of every tensor in the checkpoint, from its index (or the files' headers,
    no tensor data); None when the directory has no safetensors weights."""
    weight_map = _weight_map(model_dir)
    if weight_map is not None:
        return set(weight_map)
    files = sorted(model_dir.glob("*.safetensors"))
    return {name for file in files for name in _read_header(file)} if files else None


def shard_files(model_dir: Path) -> list[Path]:
    """The checkpoint's safetensors files: those its index names, else every one there."""
    weight_map = _weight_map(model_dir)
    if weight_map is not None:
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


def _weight_map(model_dir: Path) -> dict[str, str] | None:
    """Tensor name -> file name from the index; None if there is no index."""
    index = model_dir / INDEX_FILE
    try:
        weight_map = read_model_json(index, "safetensors index").get("weight_map")
    except FileNotFoundError:
        return None
    if not isinstance(weight_map, dict) or not all(
        isinstance(name, str) and _plain_file_name(file) for name, file in weight_map.items()
    ):
        raise _corrupt(
            f"{index} is not a valid safetensors index ('weight_map' must map tensor names "
            "to file names in the model directory); download the model again"
        )
    return weight_map


def _plain_file_name(name: object) -> bool:
    """A file of the model directory itself: never a path that leads out of it."""
    return isinstance(name, str) and name not in ("", ".", "..") and "/" not in name


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
