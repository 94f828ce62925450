"""Where the model runs and in what precision, and whether it fits there.

Checks happen before any weight is read: a 30B model on a machine without a GPU, or weights
larger than the free GPU memory, get a clear message instead of an hour of swapping or a
crash halfway through the load.
"""

from __future__ import annotations

import os

import torch

from qwen_tui.engine.base import EngineFailure
from qwen_tui.engine.events import ErrorKind
from qwen_tui.engine.model_needs import CPU_INT4_LIMIT_BYTES, GIB

_DTYPES = {"bfloat16": torch.bfloat16, "float16": torch.float16, "float32": torch.float32}


def resolve_device(requested: str) -> torch.device:
    """`auto` is the GPU when there is one, else the CPU; `cuda` without a GPU is an error."""
    if requested == "cpu":
        return torch.device("cpu")
    if torch.cuda.is_available():
        return torch.device("cuda", torch.cuda.current_device())
    if requested == "cuda":
        raise EngineFailure(
            "--device cuda was asked for but no CUDA GPU is available "
            f"(torch {torch.__version__}); use --device cpu for small models",
            ErrorKind.BAD_REQUEST,
        )
    return torch.device("cpu")


def resolve_dtype(requested: str, device: torch.device) -> torch.dtype:
    """`auto`: bfloat16 on a GPU that has it (else float16), float32 on the CPU."""
    if requested != "auto":
        return _DTYPES[requested]
    if device.type == "cuda":
        return torch.bfloat16 if torch.cuda.is_bf16_supported() else torch.float16
    return torch.float32


def check_fits(weight_bytes: int, device: torch.device, quantized: bool, model_name: str) -> None:
    """Refuse, with what was needed against what is there, a model that cannot run here."""
    needed = weight_bytes / GIB
    if device.type == "cuda":
        free, total = torch.cuda.mem_get_info(device)
        if weight_bytes > free:
            raise out_of_memory(weight_bytes, free, total)
        return
    if quantized and weight_bytes > CPU_INT4_LIMIT_BYTES:
        raise EngineFailure(
            f"{model_name} ({needed:.1f} GiB of int4 weights) needs an NVIDIA GPU with CUDA; "
            "on the CPU it would take minutes per token. Run it on a GPU machine, pick a "
            "small model (e.g. Qwen/Qwen3-0.6B), or try --engine demo",
            ErrorKind.OUT_OF_MEMORY,
        )
    available = available_ram_bytes()
    if available is not None and weight_bytes > available:
        raise EngineFailure(
            f"{model_name} needs {needed:.1f} GiB of memory for its weights but only "
            f"{available / GIB:.1f} GiB is free; use a GPU or a smaller model",
            ErrorKind.OUT_OF_MEMORY,
        )


def out_of_memory(
    needed_bytes: int, free_bytes: int, total_bytes: int, what: str = "the weights"
) -> EngineFailure:
    """The one-line CUDA out-of-memory message: needed against free."""
    advice = (
        "close other GPU programs or use a smaller model"
        if what == "the weights"
        else "close other GPU programs, or pass --yarn-factor only when you need the length"
    )
    return EngineFailure(
        f"not enough GPU memory: {what} need {needed_bytes / GIB:.1f} GiB, "
        f"{free_bytes / GIB:.1f} GiB of {total_bytes / GIB:.1f} GiB is free; {advice}",
        ErrorKind.OUT_OF_MEMORY,
    )


def available_ram_bytes() -> int | None:
    """Memory the system can give without swapping (Linux MemAvailable), None if unknown."""
    try:
        with open("/proc/meminfo", encoding="ascii") as meminfo:
            for line in meminfo:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    try:
        return os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    except (ValueError, OSError, AttributeError):
        return None
