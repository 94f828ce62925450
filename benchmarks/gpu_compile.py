"""Every Triton kernel a prefill and a decode step launch, compiled for an NVIDIA GPU on a
machine without one: per launch, its registers, spills and shared memory.

    python -m benchmarks.gpu_compile [--arch 90] [--layers 1] [--all-tiles]
                                     [--prompts 18 1001 ...]
                                     [--set MODULE.CONSTANT=VALUE ...]

The runner is built on the CPU with random weights of the Qwen3-30B-A3B shape (one layer
by default: every layer launches the same kernels) and driven through what its warm-up
runs on a GPU: a prompt in each prefill tile regime, each short-prefill graph's chunk, a
decode step in each attention chunk bucket; then `--prompts`, lengths it never saw.
Each Triton launch is compiled for `--arch` with the specialisation Triton's JIT would
give it there (with the bundled ptxas, no driver), then skipped, so nothing computes.
Autotuned kernels compile their first candidate, or with `--all-tiles` every candidate
the pruning keeps. `--set` switches a kernel variant, as in benchmarks/decode.py.

Prints one JSON object: the arch and, per kernel and specialisation, registers per thread,
bytes spilled, shared memory, warps, and the first launch that needed it (`needed_by`:
a `prompt` after the warm-up that needs a binary of its own would compile it while a user
waits for the first token). A kernel that fails to compile, or needs more
shared memory than that GPU has, is listed with its error, and the exit status is 1. It
answers "does this compile and fit on that GPU" without one; its speed still takes a GPU.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
from collections.abc import Callable

import torch

from benchmarks.launch_compiler import SHARED_MEMORY_LIMITS, LaunchCompiler
from benchmarks.qwen3_30b_a3b import config_30b_a3b, random_weights
from benchmarks.variants import constants_set, parse_settings
from qwen_tui.chat.sampling import THINKING_PRESET
from qwen_tui.engine.kernels import launch_overlap
from qwen_tui.engine.kernels.decode_attention import CHUNK_BUCKETS
from qwen_tui.engine.runner import fast_prefill, sampler
from qwen_tui.engine.runner.generate import WARM_UP_PROMPTS, Runner
from qwen_tui.engine.runner.prefill_replay import PrefillReplay


def drive(layers: int, prompts: list[int], max_len: int, on_phase: Callable[[str], None]) -> None:
    """What `Runner.warm_up` runs on a GPU, on the CPU: a prompt in each prefill tile
    regime, each short-prefill graph's padded chunk, a decode step at a context in each
    attention chunk bucket; then `prompts`, prompts of lengths the warm-up never saw.
    Launches are compiled; `on_phase` hears what runs next ("prefill 64", "prefill graph
    32", "decode 2047", "prompt 18")."""
    torch.manual_seed(0)
    config = config_30b_a3b(num_hidden_layers=layers)
    # One step a replay: the kernels of a step are the same however many a replay runs.
    weights = random_weights(config, "cpu")
    runner = Runner(weights, max_len, use_triton=True, use_graph=False, steps_per_replay=1)
    runner.sampler.configure(THINKING_PRESET, seed=0)
    assert runner.decoder.fast_prefill is not None
    graphs = PrefillReplay(runner.decoder.fast_prefill, max_len, use_graph=False)

    def prompt(length: int) -> torch.Tensor:
        return torch.randint(0, config.vocab_size, (length,))

    with torch.inference_mode():
        for length in WARM_UP_PROMPTS:
            on_phase(f"prefill {length}")
            runner.decoder.prefill(prompt(length), 0)
        for bucket in graphs.buckets:
            on_phase(f"prefill graph {bucket}")
            graphs(prompt(bucket), 0)
        for limit, _chunk in CHUNK_BUCKETS:
            context = min(limit or max_len, max_len) - 1
            on_phase(f"decode {context}")
            runner.start_at(context)
            runner.replay(context)
        for length in prompts:
            on_phase(f"prompt {length}")
            runner.decoder.prefill(prompt(length), 0)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--arch", type=int, default=90, choices=sorted(SHARED_MEMORY_LIMITS), help="e.g. 90"
    )
    parser.add_argument("--layers", type=int, default=1)
    parser.add_argument("--prompts", type=int, nargs="*", default=[], help="after the warm-up")
    parser.add_argument("--max-len", type=int, default=40960)
    parser.add_argument("--all-tiles", action="store_true", help="every autotune candidate")
    parser.add_argument("--set", action="append", default=[], metavar="MODULE.CONSTANT=VALUE")
    args = parser.parse_args()
    if os.environ.get("TRITON_INTERPRET") == "1":  # the kernels would be the interpreter's
        raise SystemExit("gpu_compile compiles for a GPU: run it without TRITON_INTERPRET=1")
    compiler = LaunchCompiler(args.arch, every_candidate=args.all_tiles)
    with (
        tempfile.TemporaryDirectory() as cache,
        compiler.installed(cache),
        constants_set(parse_settings(args.set)),
        constants_set(
            {
                (sampler, "available"): lambda _device_type: True,
                # the eager prefill picks its attention kernel by the GPU's generation
                (fast_prefill, "device_capability"): lambda _device: divmod(args.arch, 10),
                # the kernels take PDL on a GPU of sm_90 and later when switched on
                (launch_overlap, "enabled"): lambda _device_type: (
                    launch_overlap.PDL and args.arch >= 90
                ),
            }
        ),
    ):
        drive(args.layers, args.prompts, args.max_len, compiler.enter_phase)
    report = {"arch": args.arch, "settings": args.set, "kernels": compiler.report()}
    print(json.dumps(report, indent=1))
    sys.exit(1 if compiler.failures else 0)


if __name__ == "__main__":
    main()
