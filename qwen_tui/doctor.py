"""`qwen-chat doctor`: what this machine has, and what the 30B model still needs."""

from __future__ import annotations

import importlib.util
import json
import platform
from dataclasses import dataclass
from pathlib import Path

from qwen_tui import __version__, locations
from qwen_tui.config import Settings
from qwen_tui.engine.model_files import describe_model_location
from qwen_tui.engine.model_json import MAX_JSON_BYTES
from qwen_tui.regular_files import UnreadableFile, read_regular_file

# Int4 weights (~16.5 GiB) plus a 40,960-token bf16 KV cache (~4 GiB) and working space.
GPU_MEMORY_NEEDED_GIB = 22.0
# The kernels are built and measured for Ampere and newer (bf16 tensor cores); on older
# cards they compile (benchmarks/gpu_compile.py) but spill, and nobody has timed them.
MIN_TESTED_ARCH = 8


@dataclass(frozen=True)
class Check:
    name: str
    value: str
    ok: bool = True


def run_checks(settings: Settings) -> tuple[list[Check], list[str]]:
    """Rows to show and the plain-language list of what is missing for the 30B model."""
    checks = [
        Check("qwen-tui", __version__),
        Check("Python", platform.python_version()),
    ]
    missing: list[str] = []
    checks += _torch_checks(missing)
    location = describe_model_location(settings.model)
    found = not location.startswith("not found")
    if found:
        problem = _config_json_problem(Path(location) / "config.json")
        location = f"{location}: {problem}" if problem else location
        found = problem is None
    checks.append(Check("model", f"{settings.model} -> {location}", found))
    if not found:
        missing.append(f"the model files ({settings.model}); see the model line above")
    checks += [
        Check("config file", str(locations.config_file())),
        Check("data dir (sessions)", str(locations.sessions_dir())),
    ]
    return checks, missing


def _config_json_problem(path: Path) -> str | None:
    """Why the model's config.json cannot load (the engine would refuse it), if it cannot."""
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


def _torch_checks(missing: list[str]) -> list[Check]:
    if importlib.util.find_spec("torch") is None:
        missing.append("PyTorch: reinstall qwen-tui with pip")
        return [Check("torch", "not installed", False)]
    import torch

    rows = [Check("torch", torch.__version__)]
    if not torch.cuda.is_available():
        rows.append(Check("CUDA", "not available (no NVIDIA GPU or a CPU-only torch)", False))
        missing.append(
            f"an NVIDIA GPU with {GPU_MEMORY_NEEDED_GIB:.0f} GiB free and a CUDA build of torch; "
            "on the CPU only tiny models run (try `qwen-chat --engine demo`)"
        )
        return rows
    rows.append(Check("CUDA", f"{torch.version.cuda}, {torch.cuda.device_count()} device(s)"))
    free, total = torch.cuda.mem_get_info()
    free_gib, total_gib = free / 2**30, total / 2**30
    enough = free_gib >= GPU_MEMORY_NEEDED_GIB
    name = torch.cuda.get_device_name()
    major, minor = torch.cuda.get_device_capability()
    arch = f"sm_{major}{minor}"
    rows.append(
        Check("GPU", f"{name} ({arch}), {free_gib:.1f} GiB free of {total_gib:.1f} GiB", enough)
    )
    if not enough:
        missing.append(
            f"{GPU_MEMORY_NEEDED_GIB:.0f} GiB of free GPU memory ({free_gib:.1f} GiB now)"
        )
    if major < MIN_TESTED_ARCH:  # no bf16 tensor cores: the kernels compile but spill
        rows.append(Check("GPU arch", f"{arch}: older than sm_80, fast path untested", False))
        missing.append(
            f"a GPU of compute capability 8.0 or newer for the fast decode path ({arch} here)"
        )
    has_triton = importlib.util.find_spec("triton") is not None
    rows.append(Check("triton", "installed" if has_triton else "missing (slow decode)", has_triton))
    if not has_triton:
        missing.append("Triton for fast decode: pip install 'qwen-tui[gpu]'")
    return rows
