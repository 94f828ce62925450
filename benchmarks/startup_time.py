"""From start to ready, step by step: what `qwen-chat` waits for before the first prompt.

    python -m benchmarks.startup_time --model DIR

Run it in a fresh process, as a start is: once with an empty Triton cache
(`TRITON_CACHE_DIR` pointing at a new directory), once again with the same directory for a
warm start. It imports what the app imports, starts the local engine as the app does and
prints one JSON object: seconds from the process start to the imports done, to the first
event of each loading step (`LoadProgress.message`: reading weights, compiling and tuning
the prefill kernels, capturing the decode graphs, ...) and to `EngineReady`.
"""

from __future__ import annotations

import time

STARTED = time.perf_counter()  # before the imports: they are part of a start

import argparse  # noqa: E402
import json  # noqa: E402
import os  # noqa: E402
import queue  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", required=True)
    args = parser.parse_args()
    import torch

    from qwen_tui.engine.events import EngineError, EngineReady, LoadProgress
    from qwen_tui.engine.local import LocalEngine
    from qwen_tui.engine.spec import ModelSpec

    try:  # the app's own imports, when Textual is there
        import qwen_tui.ui.app  # noqa: F401
    except ImportError:
        pass
    imported = time.perf_counter() - STARTED
    events: queue.Queue = queue.Queue()
    engine = LocalEngine(ModelSpec(args.model))
    engine.start(events.put)
    steps: dict[str, float] = {}
    while True:
        event = events.get()
        now = round(time.perf_counter() - STARTED, 2)
        if isinstance(event, LoadProgress):
            steps.setdefault(event.message, now)
        elif isinstance(event, EngineReady | EngineError):
            break
    report = {
        "device": torch.cuda.get_device_name() if torch.cuda.is_available() else "cpu",
        "triton_cache": os.environ.get("TRITON_CACHE_DIR", "default"),
        "imports_s": round(imported, 2),
        "steps_start_s": steps,
        "ready_s": now,
        "error": event.message if isinstance(event, EngineError) else None,
    }
    engine.close()
    print(json.dumps(report, indent=1))


if __name__ == "__main__":
    main()
