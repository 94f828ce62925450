"""Where a warm start's Python time goes before the GPU work: the engine's imports, group
by group, then `load_model` under cProfile in this thread.

    python -m benchmarks.load_profile --model DIR [--device cuda] [--top 25] [--as-started]

`startup_time.py` times the steps a user sees; this one opens the two that are pure host
work on a warm start (the imports between the app's and the first load event, and
"preparing the model" up to "reading weights") to name the functions behind them. cProfile
slows Python-heavy code, so read its figures as shares, not seconds; the wall times of
the imports and of each load step are taken without it. `--as-started` imports only what
the app has imported when its engine starts loading (no transformers' modeling first) and
profiles the first load, which then pays for what it imports itself; the modules each
step brought in that weigh on a start are listed. Prints one JSON object.
"""

from __future__ import annotations

import argparse
import cProfile
import importlib
import io
import json
import pstats
import time

IMPORT_GROUPS = (  # in the order the engine's thread meets them
    ("torch", "torch"),
    ("triton", "triton"),
    ("transformers' modeling", "transformers.modeling_utils"),
    ("transformers' tokenizers", "transformers.tokenization_utils_fast"),
    ("qwen_tui.engine.loading", "qwen_tui.engine.loading"),
    ("qwen_tui.engine.local", "qwen_tui.engine.local"),
)


AS_STARTED = ("torch", "triton", "qwen_tui.engine.local")
HEAVY_MODULES = (  # each known to take a second or more to import after torch
    "transformers.modeling_utils",
    "transformers.activations",
    "torch._dynamo",
    "torch.distributed.tensor",
    "transformers.tokenization_utils_fast",
    "triton",
)


def timed_imports(only: tuple[str, ...] | None = None) -> dict[str, float]:
    """Seconds each group (those of `only`, if given) adds to what was imported before it."""
    seconds = {}
    for label, module in IMPORT_GROUPS:
        if only is not None and label not in only:
            continue
        started = time.perf_counter()
        importlib.import_module(module)
        seconds[label] = round(time.perf_counter() - started, 3)
    return seconds


def top_functions(profile: cProfile.Profile, key: str, count: int) -> list[str]:
    """The `count` heaviest functions by `key`, as pstats prints them (one line each)."""
    text = io.StringIO()
    pstats.Stats(profile, stream=text).sort_stats(key).print_stats(count)
    lines = text.getvalue().splitlines()
    start = next(i for i, line in enumerate(lines) if line.lstrip().startswith("ncalls"))
    return [" ".join(line.split()) for line in lines[start + 1 :] if line.strip()]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", required=True)
    parser.add_argument("--device", default="auto")
    parser.add_argument("--top", type=int, default=25)
    parser.add_argument("--as-started", action="store_true", help="profile the first load")
    args = parser.parse_args()
    imports = timed_imports(AS_STARTED if args.as_started else None)
    if args.as_started:
        report = first_load(args.model, args.device, args.top)
        print(json.dumps({"imports_s": imports, **report}, indent=1))
        return

    from qwen_tui.engine.events import LoadProgress
    from qwen_tui.engine.loading import load_model

    started = time.perf_counter()
    steps: dict[str, float] = {}

    def progress(event: LoadProgress) -> None:
        steps.setdefault(event.message, round(time.perf_counter() - started, 3))

    load_model(args.model, device=args.device, progress=progress)  # unprofiled: the wall times
    steps["loaded"] = round(time.perf_counter() - started, 3)
    profile = cProfile.Profile()
    profile.enable()
    load_model(args.model, device=args.device)  # the same load again, its Python time opened
    profile.disable()
    report = {
        "imports_s": imports,
        "load_steps_s": steps,
        "profile_by_own_time": top_functions(profile, "tottime", args.top),
        "profile_by_cumulative_time": top_functions(profile, "cumulative", args.top),
    }
    print(json.dumps(report, indent=1))


def first_load(model: str, device: str, top: int) -> dict:
    """The first load of a process, profiled, with the heavy modules each step imported."""
    import sys

    from qwen_tui.engine.events import LoadProgress
    from qwen_tui.engine.loading import load_model

    steps: dict[str, float] = {}
    brought: dict[str, list[str]] = {}
    seen = {name for name in HEAVY_MODULES if name in sys.modules}
    step = "before the first event"

    def end_step(next_step: str) -> None:
        """What the step that ends imported of HEAVY_MODULES; `next_step` begins."""
        nonlocal step
        now = {name for name in HEAVY_MODULES if name in sys.modules}
        brought[step] = sorted(now - seen)
        seen.update(now)
        step = next_step

    def progress(event: LoadProgress) -> None:
        if event.message not in steps:
            end_step(event.message)
            steps[event.message] = round(time.perf_counter() - started, 3)

    profile = cProfile.Profile()
    started = time.perf_counter()
    profile.enable()
    load_model(model, device=device, progress=progress)
    profile.disable()
    steps["loaded (profiled)"] = round(time.perf_counter() - started, 3)
    end_step("")
    return {
        "load_steps_s": steps,
        "heavy_modules_imported_by_step": brought,
        "profile_by_cumulative_time": top_functions(profile, "cumulative", top),
        "profile_by_own_time": top_functions(profile, "tottime", top),
    }


if __name__ == "__main__":
    main()
