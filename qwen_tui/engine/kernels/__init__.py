"""Triton kernels for the GPU decode path. Each has a torch reference and a parity test.

Triton is optional: `available()` says whether these kernels can run here (a CUDA device,
or the CPU interpreter with TRITON_INTERPRET=1 for tests on tiny shapes).
"""

from __future__ import annotations

import importlib.util
import os

# Every figure in the README was measured with Triton fusing multiply-adds (its default up
# to 3.9); Triton 3.10 turns that off unless asked, and 3.9 warns on each start until asked.
os.environ.setdefault("TRITON_DEFAULT_FP_FUSION", "1")


def available(device_type: str = "cuda") -> bool:
    """True when the Triton kernels can run on tensors of `device_type`."""
    if importlib.util.find_spec("triton") is None:
        return False
    if device_type == "cpu":
        return os.environ.get("TRITON_INTERPRET") == "1"
    return device_type == "cuda"
