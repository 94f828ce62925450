"""What a prompt of a length the warm-up never saw costs the first time, and after.

    python -m benchmarks.prefill_shapes [--layers 4] [--lengths 18 1000 3101]
                                        [--set MODULE.CONSTANT=VALUE ...]

After `Runner.warm_up` on random weights of the Qwen3-30B-A3B shape, each length is
prefilled twice, timed to its first token on the host. The first time pays for anything
built per shape (a kernel specialised on the length, a cuDNN attention plan); the second
is the steady cost. Whatever the first adds, a user pays in the time to the first token of
every prompt of a new length. `--set` runs with a constant changed, e.g. cuDNN's attention
put back first (`qwen_tui.engine.runner.ops.PREFILL_SDPA_BACKENDS=("CUDNN_ATTENTION",
"FLASH_ATTENTION", "EFFICIENT_ATTENTION", "MATH")`). Prints one JSON object.
"""

from __future__ import annotations

import argparse
import json
import time

import torch

from benchmarks.decode import random_prompt, time_to_first_token
from benchmarks.qwen3_30b_a3b import config_30b_a3b, random_weights
from benchmarks.variants import constants_set, parse_settings
from qwen_tui.engine.runner.generate import Runner


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--layers", type=int, default=4)
    parser.add_argument("--lengths", type=int, nargs="+", default=[18, 1000, 3101])
    parser.add_argument("--set", action="append", default=[], metavar="MODULE.CONSTANT=VALUE")
    args = parser.parse_args()
    config = config_30b_a3b(num_hidden_layers=args.layers)
    report: dict = {"device": torch.cuda.get_device_name(), "layers": args.layers}
    report["settings"] = args.set
    with constants_set(parse_settings(args.set)):
        runner = Runner(random_weights(config), 40960, use_triton=True, use_graph=True)
        started = time.perf_counter()
        runner.warm_up()
        report["warm_up_s"] = round(time.perf_counter() - started, 1)
        for n in args.lengths:
            prompt = random_prompt(n, config.vocab_size, n)
            first, again = (time_to_first_token(runner, prompt) for _ in range(2))
            report[f"ttft_s_{n}"] = {"first": round(first, 4), "again": round(again, 4)}
    print(json.dumps(report, indent=1))


if __name__ == "__main__":
    main()
