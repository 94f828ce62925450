"""GPU memory for the status bar, read without ever importing torch or touching CUDA first.

The UI starts before any engine loads torch; importing it here would cost seconds. So this
only looks at a torch that the engine already imported and a CUDA that it already set up,
and reads the caching allocator's counters, which are host-side bookkeeping (no GPU sync).
"""

from __future__ import annotations

import sys

_GIB = 1024**3


def gpu_memory_text() -> str:
    """ "GPU 18.2/79.1 GiB" (memory this process holds / the card's total), or "" if none."""
    torch = sys.modules.get("torch")
    if torch is None or not torch.cuda.is_initialized():
        return ""
    device = torch.cuda.current_device()
    held = torch.cuda.memory_reserved(device)
    total = torch.cuda.get_device_properties(device).total_memory
    return f"GPU {held / _GIB:.1f}/{total / _GIB:.1f} GiB"
