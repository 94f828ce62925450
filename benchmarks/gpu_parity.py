"""Parity on the GPU: 64 greedy tokens from the CUDA-graph Triton path equal the CPU
reference path's, on tiny checkpoints in the published format; and replays of several
decode steps give the tokens of one step per replay, greedy and sampled under a seed.

    TRITON_F32_DEFAULT=ieee python -m benchmarks.gpu_parity [--set MODULE.NAME=VALUE ...] [NAME ...]

(float32 everywhere; `ieee` keeps Triton's float32 dots out of TF32, as the CPU computes.)
NAMEs pick checkpoints (default: all); `--set` switches kernel variants on for the whole
check (`benchmarks/variants.py`), so a fusion is proven exact before it becomes a default.
Prints each checkpoint's line as it is checked, then one JSON object, and exits non-zero on
a mismatch.
"""

from __future__ import annotations

import argparse
import json
import tempfile
from pathlib import Path

import torch

from benchmarks.variants import constants_set, parse_settings
from qwen_tui.chat.sampling import SamplingParams
from qwen_tui.engine.loading import load_model
from qwen_tui.engine.runner.extract import weights_from_model
from qwen_tui.engine.runner.generate import Runner
from qwen_tui.engine.synthetic.checkpoint import QuantSpec, tiny_config, write_checkpoint

GREEDY = SamplingParams(temperature=0, top_p=1, top_k=0, min_p=0, presence_penalty=0)
SAMPLED = SamplingParams(temperature=0.6, top_p=0.95, top_k=20, min_p=0.05, presence_penalty=1.5)
CHECKPOINTS = {
    "moe_sym_g32": (tiny_config(), QuantSpec(group_size=32)),
    "moe_asym_g128_qrouter": (
        tiny_config(),
        QuantSpec(group_size=128, sym=False, quantize_router=True),
    ),
    "dense_asym_g64": (tiny_config(moe=False), QuantSpec(group_size=64, sym=False)),
}


def generated(
    model_dir: Path,
    device: str,
    prompt: list[int],
    n: int,
    steps: int = 1,
    params: SamplingParams = GREEDY,
) -> list[int]:
    loaded = load_model(str(model_dir), device=device, dtype="float32")
    gpu = device == "cuda"
    weights = weights_from_model(loaded.model)
    runner = Runner(weights, 512, use_triton=gpu, use_graph=gpu, steps_per_replay=steps)
    return list(runner.generate(prompt, params, n, stop_ids=set(), seed=5))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("names", nargs="*", help="checkpoints to check (default: all)")
    parser.add_argument("--set", action="append", default=[], metavar="MODULE.NAME=VALUE")
    args = parser.parse_args()
    with constants_set(parse_settings(args.set)):
        ok = check(args.names or list(CHECKPOINTS), args.set)
    raise SystemExit(0 if ok else 1)


def check(wanted: list[str], settings: list[str]) -> bool:
    report: dict = {"device": torch.cuda.get_device_name(), "tokens": 64, "set": settings}
    ok = True
    with tempfile.TemporaryDirectory() as root:
        for seed, (name, (config, quant)) in enumerate(CHECKPOINTS.items()):
            if name not in wanted:
                continue
            model_dir = write_checkpoint(Path(root) / name, config, quant, seed=seed, std=0.08)
            prompt = torch.randint(0, 400, (24,), generator=torch.Generator().manual_seed(seed))
            cpu = generated(model_dir, "cpu", prompt.tolist(), 64)
            gpu = generated(model_dir, "cuda", prompt.tolist(), 64)
            replays = {
                f"steps8_vs_1_{kind}": (
                    generated(model_dir, "cuda", prompt.tolist(), 61, 8, params)
                    == generated(model_dir, "cuda", prompt.tolist(), 61, 1, params)
                )
                for kind, params in (("greedy", GREEDY), ("sampled", SAMPLED))
            }
            # split-K sums meet in float atomics, in any order: what one step repeats
            replays["steps1_repeats_sampled"] = generated(
                model_dir, "cuda", prompt.tolist(), 61, 1, SAMPLED
            ) == generated(model_dir, "cuda", prompt.tolist(), 61, 1, SAMPLED)
            same = next(
                (i for i, (a, b) in enumerate(zip(cpu, gpu, strict=True)) if a != b), len(cpu)
            )
            report[name] = {"identical": cpu == gpu, "first_difference": same} | replays
            print(json.dumps({name: report[name]}), flush=True)
            ok &= cpu == gpu and all(replays.values())
    print(json.dumps(report, indent=1))
    return ok


if __name__ == "__main__":
    main()
