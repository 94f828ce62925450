"""Where the host's time goes in one prefill: for a prompt whose prefill is host-bound (1k
tokens: the GPU waits on Python), which calls cost the most Python time per layer.

    python -m benchmarks.prefill_host [--layers 48] [--length 1024] [--top 30]

Prints one JSON object: the host time of one prefill without and with cProfile (the
profiler slows Python calls down, so read its figures as shares, not absolutes), the
profiled time split into Triton launches, torch ops and the rest, the project's functions
with the time spent in them and below, and the top calls by their own time, all in
microseconds per layer.
"""

from __future__ import annotations

import argparse
import cProfile
import json
import pstats
import time

import torch

from benchmarks.qwen3_30b_a3b import config_30b_a3b, random_weights
from qwen_tui.engine.runner.decoder import Decoder


def host_ms(decoder: Decoder, ids: torch.Tensor) -> float:
    torch.cuda.synchronize()
    start = time.perf_counter()
    decoder.prefill(ids, 0)
    elapsed = time.perf_counter() - start
    torch.cuda.synchronize()
    return elapsed * 1000


def kind(filename: str, name: str) -> str:
    if "/triton/" in filename:
        return "triton_launch"
    if filename == "~" and ("torch" in name or "Tensor" in name):
        return "torch_ops"
    return "other"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--layers", type=int, default=48)
    parser.add_argument("--length", type=int, default=1024)
    parser.add_argument("--top", type=int, default=30)
    args = parser.parse_args()
    torch.manual_seed(0)
    config = config_30b_a3b(num_hidden_layers=args.layers)
    decoder = Decoder(random_weights(config), args.length, use_triton=True)
    ids = torch.randint(config.vocab_size, (args.length,), device="cuda")
    per_layer = 1000 / args.layers  # ms in all -> us per layer
    with torch.inference_mode():
        for _ in range(2):
            host_ms(decoder, ids)  # compile and tune first
        plain = min(host_ms(decoder, ids) for _ in range(3))
        profiler = cProfile.Profile()
        profiler.enable()
        profiled = host_ms(decoder, ids)
        profiler.disable()
    stats = pstats.Stats(profiler).stats
    split: dict[str, float] = {}
    rows, ours = [], []
    for (filename, line, name), (_, calls, own, cumulative, _) in stats.items():
        group = kind(filename, name)
        split[group] = split.get(group, 0.0) + own
        where = f"{filename.split('/')[-1]}:{line}:{name}"[:90]
        rows.append((where, calls, own))
        if "/qwen_tui/" in filename:
            ours.append((where, calls, cumulative))
    rows.sort(key=lambda r: -r[2])
    ours.sort(key=lambda r: -r[2])
    report = {
        "device": torch.cuda.get_device_name(),
        "length": args.length,
        "host_ms": round(plain, 2),
        "host_ms_profiled": round(profiled, 2),
        "profiled_us_per_layer": {k: round(v * 1000 * per_layer, 1) for k, v in split.items()},
        "project_calls_cumulative_us_per_layer": [
            (name, calls, round(total * 1000 * per_layer, 1)) for name, calls, total in ours
        ],
        "top_own_time_us_per_layer": [
            (name, calls, round(own * 1000 * per_layer, 1)) for name, calls, own in rows[: args.top]
        ],
    }
    print(json.dumps(report, indent=1))


if __name__ == "__main__":
    main()
