"""How long a start spends compiling kernels, tuning prefill tiles and capturing graphs.

    python -m benchmarks.warm_up_time [--layers 2]

Prints one JSON object with `Runner.warm_up`'s wall time. Run it twice: the second process
finds the compiled kernels and the tuned tiles in Triton's cache, as a second start of
qwen-chat does. Tiles and kernels depend on the weight shapes, not on the layer count, so
a few layers of the real shape measure the same tuning.
"""

from __future__ import annotations

import argparse
import json
import time

import torch

from benchmarks.qwen3_30b_a3b import config_30b_a3b, random_weights
from qwen_tui.engine.runner.generate import Runner


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--layers", type=int, default=2)
    parser.add_argument("--max-len", type=int, default=40960)
    args = parser.parse_args()
    weights = random_weights(config_30b_a3b(num_hidden_layers=args.layers))
    runner = Runner(weights, args.max_len, use_triton=True, use_graph=True)
    torch.cuda.synchronize()
    start = time.perf_counter()
    runner.warm_up()
    report = {
        "device": torch.cuda.get_device_name(),
        "layers": args.layers,
        "warm_up_s": round(time.perf_counter() - start, 1),
    }
    print(json.dumps(report))


if __name__ == "__main__":
    main()
