"""What the GPU did over a window of wall time, for `ui_speed.py --trace-first-token`:
`torch.profiler` from Enter to the first token, then the GPU's busy time (the union of its
kernels' spans) against the window, when its first kernel started, and the heaviest kernels.

If the GPU is busy most of the window, the reply waits for kernels; if it idles, it waits
for the host to launch them (Python, the GIL).
"""

from __future__ import annotations

import time

import torch
from torch.autograd import DeviceType
from torch.profiler import ProfilerActivity, profile


class GpuWindow:
    def __init__(self) -> None:
        self._profile = profile(activities=[ProfilerActivity.CPU, ProfilerActivity.CUDA])
        self._started = 0.0

    def start(self) -> None:
        self._profile.__enter__()
        self._started = time.perf_counter()

    def stop(self) -> dict:
        if torch.cuda.is_available():
            torch.cuda.synchronize()
        window_ms = (time.perf_counter() - self._started) * 1000
        self._profile.__exit__(None, None, None)
        kernels = [e for e in self._profile.events() if e.device_type == DeviceType.CUDA]
        spans = sorted((e.time_range.start, e.time_range.end) for e in kernels)
        busy_us, reach = 0.0, float("-inf")
        for start, end in spans:  # the union of the spans
            busy_us += max(0.0, end - max(start, reach))
            reach = max(reach, end)
        totals: dict[str, float] = {}
        for e in kernels:
            totals[e.name[:60]] = totals.get(e.name[:60], 0.0) + e.time_range.elapsed_us()
        top = sorted(totals.items(), key=lambda item: -item[1])[:12]
        return {
            "window_ms": round(window_ms, 1),
            "gpu_busy_ms": round(busy_us / 1000, 1),
            "kernels": len(kernels),
            "gpu_span_ms": round((spans[-1][1] - spans[0][0]) / 1000, 1) if spans else 0.0,
            "top_kernels_ms": [[name, round(us / 1000, 2)] for name, us in top],
        }
