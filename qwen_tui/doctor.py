"""`qwen-chat doctor`: what this machine has, and what the model it is given still needs.

The model's needs come from its own files (`model_needs.py`): a small model on a machine
without a GPU is ready; the 30B model there is not. A model not downloaded yet is judged
by the published checkpoint's figures where they are known.
"""

from __future__ import annotations

import importlib.util
import platform
from dataclasses import dataclass

from qwen_tui import __version__, locations
from qwen_tui.config import Settings
from qwen_tui.engine.base import EngineFailure
from qwen_tui.engine.local_requirements import INSTALL_GPU_EXTRA, missing_local_engine_modules
from qwen_tui.engine.model_needs import GIB, KNOWN_NEEDS, ModelNeeds, read_needs
from qwen_tui.library_output import adopt_library_loggers

# The kernels are built and measured for Ampere and newer (bf16 tensor cores); on older
# cards they compile (benchmarks/gpu_compile.py) but spill, and nobody has timed them.
MIN_TESTED_ARCH = 8


@dataclass(frozen=True)
class Check:
    name: str
    value: str
    ok: bool | None = True
    """True passes, False fails (doctor then exits non-zero), None is information only."""


def run_checks(settings: Settings) -> tuple[list[Check], list[str]]:
    """Rows to show and the plain-language list of what is missing for `settings.model`."""
    missing: list[str] = []
    missing_files: list[str] = []
    model_rows, needs = _model_checks(settings.model, missing_files)
    checks = [Check("qwen-tui", __version__), Check("Python", platform.python_version())]
    checks += _engine_checks(needs, missing) + model_rows + _file_checks()
    return checks, missing + missing_files


def _model_checks(model: str, missing: list[str]) -> tuple[list[Check], ModelNeeds | None]:
    """The model's location and, when its files are there, what it needs."""
    from qwen_tui.engine.model_files import config_json_problem, resolve_model_dir

    try:
        model_dir = resolve_model_dir(model)
    except EngineFailure as exc:
        return _unusable_model(model, f"not found: {exc}", missing)
    problem = config_json_problem(model_dir / "config.json")
    if problem is not None:
        return _unusable_model(model, f"{model_dir}: {problem}", missing)
    try:
        needs = read_needs(model_dir)
    except EngineFailure as exc:  # its messages name the directory
        return _unusable_model(model, str(exc), missing)
    rows = [Check("model", f"{model} -> {model_dir}"), Check("model needs", needs.describe(), None)]
    return rows, needs


def _unusable_model(
    model: str, why: str, missing: list[str]
) -> tuple[list[Check], ModelNeeds | None]:
    missing.append(f"the model files ({model}); see the model line above")
    return [Check("model", f"{model} -> {why}", False)], KNOWN_NEEDS.get(model)


def _engine_checks(needs: ModelNeeds | None, missing: list[str]) -> list[Check]:
    absent = missing_local_engine_modules()
    if absent:
        missing.append(f"the local engine's packages ({', '.join(absent)}): {INSTALL_GPU_EXTRA}")
        return [Check("local engine", f"missing {', '.join(absent)}", False)]
    import torch

    adopt_library_loggers()  # torch's own stderr handlers, set up as it was imported
    rows = [Check("torch", torch.__version__)]
    if not torch.cuda.is_available():
        return rows + _cpu_checks(needs, missing)
    rows.append(Check("CUDA", f"{torch.version.cuda}, {torch.cuda.device_count()} device(s)"))
    free, total = torch.cuda.mem_get_info()
    major, minor = torch.cuda.get_device_capability()
    arch = f"sm_{major}{minor}"
    name = torch.cuda.get_device_name()
    value = f"{name} ({arch}), {free / GIB:.1f} GiB free of {total / GIB:.1f} GiB"
    enough = needs is None or free >= needs.gpu_bytes
    rows.append(Check("GPU", value, enough))
    if needs is not None and not enough:
        missing.append(
            f"{needs.gpu_bytes / GIB:.0f} GiB of free GPU memory ({free / GIB:.1f} GiB now)"
        )
    if major < MIN_TESTED_ARCH:  # no bf16 tensor cores: the kernels compile but spill
        rows.append(Check("GPU arch", f"{arch}: older than sm_80, fast path untested", False))
        missing.append(
            f"a GPU of compute capability 8.0 or newer for the fast decode path ({arch} here)"
        )
    has_triton = importlib.util.find_spec("triton") is not None
    rows.append(Check("triton", "installed" if has_triton else "missing (slow decode)", has_triton))
    if not has_triton:
        missing.append(f"Triton for fast decode: {INSTALL_GPU_EXTRA}")
    return rows


def _cpu_checks(needs: ModelNeeds | None, missing: list[str]) -> list[Check]:
    no_cuda = "not available (no NVIDIA GPU or a CPU-only torch)"
    if needs is None:
        return [Check("CUDA", no_cuda, None)]
    if needs.needs_gpu:
        missing.append(
            f"an NVIDIA GPU with {needs.gpu_bytes / GIB:.0f} GiB free and a CUDA build of torch; "
            "on the CPU only small models run (try `qwen-chat --engine demo`)"
        )
        return [Check("CUDA", no_cuda, False)]
    from qwen_tui.engine.devices import available_ram_bytes

    rows = [Check("CUDA", f"{no_cuda}; this model runs on the CPU", None)]
    available = available_ram_bytes()
    if available is not None:
        enough = available >= needs.cpu_bytes
        free = f"{available / GIB:.1f} GiB free, the model needs {needs.cpu_bytes / GIB:.1f} GiB"
        rows.append(Check("memory", free, enough))
        if not enough:
            missing.append(f"{needs.cpu_bytes / GIB:.1f} GiB of free memory ({free})")
    return rows


def _file_checks() -> list[Check]:
    config, log = locations.config_file(), locations.log_file()
    return [
        Check("config file", str(config))
        if config.exists()
        else Check("config file", f"{config}: not created yet; defaults apply", None),
        Check("data dir (sessions)", str(locations.sessions_dir()), None),
        Check("log file (library warnings)", str(log), None),
    ]
