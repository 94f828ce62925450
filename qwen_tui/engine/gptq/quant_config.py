"""Read and check a checkpoint's `quantization_config` (config.json or quantize_config.json).

Only what the loader can run exactly is accepted: GPTQ, 4 bits, checkpoint_format "gptq".
Anything else is refused with a one-line message naming what was found.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from qwen_tui.engine.base import EngineFailure
from qwen_tui.engine.events import ErrorKind
from qwen_tui.engine.model_json import read_model_json

SUPPORTED_GROUP_SIZES = (32, 64, 128, -1)


@dataclass(frozen=True)
class GPTQConfig:
    """The settings of a GPTQ int4 checkpoint."""

    group_size: int
    sym: bool
    desc_act: bool
    bits: int = 4

    def group_size_for(self, in_features: int) -> int:
        """The group size along K for a layer with `in_features` inputs (-1: one group)."""
        return in_features if self.group_size == -1 else self.group_size


def read_quant_config(model_dir: Path, config: dict[str, Any]) -> GPTQConfig | None:
    """The GPTQ settings of the checkpoint in `model_dir`, None for an unquantized one."""
    raw = config.get("quantization_config")
    if raw is None:
        try:
            raw = read_model_json(model_dir / "quantize_config.json", "quantization config")
        except FileNotFoundError:
            return None
    if not isinstance(raw, dict):
        raise _unsupported(model_dir, "quantization_config is not a JSON object")
    return parse_quant_config(raw, model_dir)


def parse_quant_config(raw: dict[str, Any], model_dir: Path | str = "") -> GPTQConfig:
    """Check a quantization_config mapping; raise EngineFailure on anything unsupported."""
    method = str(raw.get("quant_method", "gptq")).lower()
    if method != "gptq":
        raise _unsupported(model_dir, f"quant_method {method!r} (only GPTQ int4 is supported)")
    bits = raw.get("bits", 4)
    if not _is_int(bits):
        raise _unsupported(model_dir, f"bits {bits!r} (must be the whole number 4)")
    if bits != 4:
        raise _unsupported(model_dir, f"{bits}-bit GPTQ (only 4-bit is supported)")
    # GPTQModel writes "checkpoint_format"; some of its versions write "format".
    fmt = str(raw.get("checkpoint_format", raw.get("format", "gptq"))).lower()
    if fmt != "gptq":
        raise _unsupported(model_dir, f"checkpoint_format {fmt!r} (only 'gptq' is supported)")
    group_size = raw.get("group_size", 128)
    if not _is_int(group_size) or group_size not in SUPPORTED_GROUP_SIZES:
        sizes = ", ".join(str(s) for s in SUPPORTED_GROUP_SIZES)
        raise _unsupported(model_dir, f"group_size {group_size!r} (supported: {sizes})")
    return GPTQConfig(
        group_size=group_size,
        sym=_flag(raw, "sym", True, model_dir),
        desc_act=_flag(raw, "desc_act", False, model_dir),
        bits=bits,
    )


def _flag(raw: dict[str, Any], key: str, default: bool, model_dir: Path | str) -> bool:
    """A true/false setting; "no" or "false" as text would be read as true, so only JSON
    booleans are accepted."""
    value = raw.get(key, default)
    if not isinstance(value, bool):
        raise _unsupported(model_dir, f"{key} is {value!r} (must be true or false)")
    return value


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _unsupported(model_dir: Path | str, what: str) -> EngineFailure:
    where = f"{model_dir}: " if str(model_dir) else ""
    return EngineFailure(
        f"{where}unsupported quantization: {what}; use a GPTQ int4 or an unquantized "
        "Qwen3 checkpoint",
        ErrorKind.BAD_REQUEST,
    )
