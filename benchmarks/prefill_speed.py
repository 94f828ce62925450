"""Prefill speed (time to first token) on random Qwen3-30B-A3B-shaped int4 weights, and a
sweep of the prefill tile knobs.

    python -m benchmarks.prefill_speed [--layers 48] [--lengths 1024 4096] [--sweep] [--profile]

Prints one JSON object. For each prompt length: the fused prefill's wall time to logits
(synced) and its host time (until `prefill` returns, unsynced), each the median of a few
runs, and the same for the unfused prefill on the same kernels. Host time close to wall
time means the host is the bound (or the launch queue filled up and the host waited on it).
`--sweep` times each variant of the module constants in kernels/tuning.py,
kernels/qk_rope.py, kernels/int4_matmul.py and runner/ops.py (`--only NAME ...`: those
alone); `--profile` lists the top 25 GPU kernels of the longest prompt.
"""

from __future__ import annotations

import argparse
import json
import statistics
import time

import torch

from benchmarks.qwen3_30b_a3b import config_30b_a3b, random_weights
from benchmarks.variants import constants_set
from qwen_tui.engine.kernels import int4_matmul, qk_rope, tuning
from qwen_tui.engine.runner import fast_prefill, ops
from qwen_tui.engine.runner.decoder import Decoder

VARIANTS = {  # name: {(module, constant): value}; each tried against the defaults
    "moe_no_128_rows": {(tuning, "MOE_LARGE_ROWS"): 10**9},
    "moe_128_rows_from_64": {(tuning, "MOE_LARGE_ROWS"): 64},
    "moe_256_rows_from_256": {(tuning, "MOE_HUGE_ROWS"): 256},  # the candidate
    "moe_64_rows_from_4": {(tuning, "MOE_MEDIUM_ROWS"): 4},
    "moe_64_rows_from_16": {(tuning, "MOE_MEDIUM_ROWS"): 16},
    "dense_in_registers": {(int4_matmul, "DEQUANT_ROWS"): None},
    "dense_dequant_from_256": {(int4_matmul, "DEQUANT_ROWS"): 256},
    "dense_dequant_from_512": {(int4_matmul, "DEQUANT_ROWS"): 512},
    "norm_heads_2": {(qk_rope, "PREFILL_HEADS_PER_PROGRAM"): 2},
    "norm_rows_4": {(qk_rope, "PREFILL_ROWS_PER_PROGRAM"): 4},
    "norm_rows_4_warps_4": {
        (qk_rope, "PREFILL_ROWS_PER_PROGRAM"): 4,
        (qk_rope, "PREFILL_NORM_WARPS"): 4,
    },
    "norm_warps_1": {(qk_rope, "PREFILL_NORM_WARPS"): 1},
    "sdpa_repeated_heads": {(ops, "SDPA_GQA"): False},
    "flash_attention": {(fast_prefill, "CHUNK_KERNEL_FROM"): None},
}


def prompt(length: int, vocab: int) -> torch.Tensor:
    ids = torch.randint(vocab, (length,), generator=torch.Generator().manual_seed(length))
    return ids.cuda()


def time_prefill(decoder: Decoder, ids: torch.Tensor, repeats: int) -> dict[str, float]:
    """Median wall and host milliseconds of a prefill from position 0."""
    decoder.prefill(ids, 0)  # compiles and tunes anything new
    walls, hosts = [], []
    for _ in range(repeats):
        torch.cuda.synchronize()
        start = time.perf_counter()
        logits = decoder.prefill(ids, 0)
        hosts.append(time.perf_counter() - start)
        logits.argmax().item()  # what the first token waits for
        walls.append(time.perf_counter() - start)
    return {
        "wall_ms": round(statistics.median(walls) * 1000, 2),
        "host_ms": round(statistics.median(hosts) * 1000, 2),
    }


def time_lengths(decoder: Decoder, lengths: list[int], vocab: int, repeats: int) -> dict:
    return {n: time_prefill(decoder, prompt(n, vocab), repeats) for n in lengths}


def sweep(decoder: Decoder, lengths: list[int], vocab: int, repeats: int, only: list[str]) -> dict:
    results = {}
    for name, changes in VARIANTS.items():
        if only and name not in only:
            continue
        with constants_set(changes):
            results[name] = time_lengths(decoder, lengths, vocab, repeats)
    return results


def top_kernels(decoder: Decoder, ids: torch.Tensor, count: int = 25) -> list:
    """The GPU kernels one prefill spends most time in: (name, ms in all, calls)."""
    from torch.profiler import ProfilerActivity, profile

    with profile(activities=[ProfilerActivity.CUDA]) as prof:
        decoder.prefill(ids, 0)
        torch.cuda.synchronize()
    rows = [
        (e.key[:80], round(e.device_time_total / 1000, 2), e.count) for e in prof.key_averages()
    ]
    return sorted(rows, key=lambda r: -r[1])[:count]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--layers", type=int, default=48)
    parser.add_argument("--lengths", type=int, nargs="+", default=[1024, 4096])
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--sweep", action="store_true", help="time each VARIANTS entry")
    parser.add_argument("--only", nargs="+", default=[], choices=VARIANTS, help="sweep these")
    parser.add_argument("--profile", action="store_true", help="top kernels, longest prompt")
    args = parser.parse_args()
    torch.manual_seed(0)
    config = config_30b_a3b(num_hidden_layers=args.layers)
    decoder = Decoder(random_weights(config), max(args.lengths), use_triton=True)
    vocab, lengths, repeats = config.vocab_size, args.lengths, args.repeats
    report: dict = {"device": torch.cuda.get_device_name(), "layers": args.layers}
    with torch.inference_mode():
        report["fused"] = time_lengths(decoder, lengths, vocab, repeats)
        fused, decoder.fast_prefill = decoder.fast_prefill, None
        report["unfused_same_kernels"] = time_lengths(decoder, lengths, vocab, repeats)
        decoder.fast_prefill = fused
        if args.sweep:
            report["sweep"] = sweep(decoder, lengths, vocab, repeats, args.only)
        if args.profile:
            report["top_kernels"] = top_kernels(decoder, prompt(max(lengths), vocab))
    print(json.dumps(report, indent=1))


if __name__ == "__main__":
    main()
