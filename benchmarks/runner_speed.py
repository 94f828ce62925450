"""Decode and prefill speed of the runner on random Qwen3-30B-A3B-shaped int4 weights.

    python benchmarks/runner_speed.py [--layers 48] [--max-len 40960] [--profile] [--variants]

Prints one JSON object: the device, Triton-vs-reference logits agreement, time to first
token for 1k and 4k prompts, decode tokens/s at 1k, 8k and 32k of context, and peak memory.
"""

from __future__ import annotations

import argparse
import json
import time

import torch

from benchmarks.decode import logits_agreement
from benchmarks.qwen3_30b_a3b import config_30b_a3b, random_weights
from benchmarks.variants import Changes, as_settings, constants_set
from qwen_tui.chat.sampling import THINKING_PRESET
from qwen_tui.engine.kernels import decode_attention, moe_route
from qwen_tui.engine.runner import generate, sampler
from qwen_tui.engine.runner.generate import Runner


def time_decode(runner: Runner, context: int, steps: int = 64) -> float:
    """Tokens/s of graph replays at a given context length (the cache contents are random)."""
    runner.sampler.configure(THINKING_PRESET, seed=0)
    runner.pos.fill_(context)
    runner._step(context)  # capture on first use
    torch.cuda.synchronize()
    start = time.perf_counter()
    for _ in range(steps):
        runner.pos.fill_(context)
        runner._step(context)
        runner.token.item()  # the per-token host copy the engine makes
    torch.cuda.synchronize()
    return steps / (time.perf_counter() - start)


def chunk_sweep(runner: Runner, max_len: int) -> dict[str, float]:
    """Decode speed for every attention chunk size at each context, to set CHUNK_BUCKETS."""
    results = {}
    for chunk in (32, 64, 128, 256, 512):

        def fixed(_context: int, c: int = chunk) -> int:
            return c

        with constants_set(
            {(decode_attention, "chunk_for"): fixed, (generate, "chunk_for"): fixed}
        ):
            runner.reset_graphs()
            for ctx in (1024, 4096, 8192, 16384, 32768):
                if ctx < max_len:
                    results[f"chunk{chunk}_ctx{ctx}"] = round(time_decode(runner, ctx), 1)
    runner.reset_graphs()
    return results


DECODE_VARIANTS: dict[str, Changes] = {  # each tried against the defaults
    "qk_norm_in_attention": {(decode_attention, "FUSE_QK"): True},
    "fused_sampling": {(sampler, "FUSED"): True},
    "both_fusions": {(decode_attention, "FUSE_QK"): True, (sampler, "FUSED"): True},
    "route_warps_4": {(moe_route, "WARPS"): 4},
    "merge_warps_2": {(decode_attention, "MERGE_WARPS"): 2},
}


def variant_sweep(runner: Runner) -> dict:
    """Decode speed at 1k and 32k with the defaults and with each DECODE_VARIANTS entry
    (the graphs are captured again for each), and the fastest at 1k as `--set` settings."""
    variants = {"defaults": {}, **DECODE_VARIANTS}
    rates = {}
    for name, changes in variants.items():
        with constants_set(changes):
            runner.reset_graphs()
            rates[name] = {
                ctx: round(time_decode(runner, ctx), 1)
                for ctx in (1024, 32768)
                if ctx < runner.max_len
            }
    runner.reset_graphs()
    best = max(rates, key=lambda name: rates[name][1024])
    return {"tok_s": rates, "best_at_1k": best, "best_settings": as_settings(variants[best])}


def time_prefill(runner: Runner, tokens: int, vocab: int) -> float:
    ids = torch.randint(0, vocab, (tokens,), device="cuda")
    runner.decoder.prefill(ids, 0)  # warm-up: Triton compiles per shape bucket
    torch.cuda.synchronize()
    start = time.perf_counter()
    logits = runner.decoder.prefill(ids, 0)
    runner.sampler.sample(logits).item()
    return time.perf_counter() - start


def profile_step(runner: Runner) -> list[tuple[str, float]]:
    from torch.profiler import ProfilerActivity, profile

    runner.pos.fill_(1024)
    runner.decoder.fast.attention.chunk = 64
    with torch.inference_mode(), profile(activities=[ProfilerActivity.CUDA]) as prof:
        runner._eager_step()
        torch.cuda.synchronize()
    rows = [(e.key[:60], e.device_time_total / 1000) for e in prof.key_averages()]
    return sorted(rows, key=lambda r: -r[1])[:15]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--layers", type=int, default=48)
    parser.add_argument("--max-len", type=int, default=40960)
    parser.add_argument("--profile", action="store_true")
    parser.add_argument("--chunks", action="store_true", help="sweep attention chunk sizes")
    parser.add_argument("--variants", action="store_true", help="try DECODE_VARIANTS")
    args = parser.parse_args()
    torch.manual_seed(0)
    config = config_30b_a3b(num_hidden_layers=args.layers)
    weights = random_weights(config)
    runner = Runner(weights, args.max_len, use_triton=True, use_graph=True)
    runner.decoder.k_cache.normal_()
    runner.decoder.v_cache.normal_()
    report = {"device": torch.cuda.get_device_name(), "layers": args.layers}
    with torch.inference_mode():
        report["parity"] = logits_agreement(runner, config.vocab_size)
        for n in (1024, 4096):
            report[f"ttft_s_{n}"] = round(time_prefill(runner, n, config.vocab_size), 4)
        for ctx in (1024, 8192, 32768):
            if ctx < args.max_len:
                report[f"decode_tok_s_{ctx}"] = round(time_decode(runner, ctx), 1)
        if args.chunks:
            report["decode_tok_s_by_chunk"] = chunk_sweep(runner, args.max_len)
        if args.variants:
            report["decode_tok_s_by_variant"] = variant_sweep(runner)
        if args.profile:
            report["profile_ms"] = profile_step(runner)
    report["peak_gib"] = round(torch.cuda.max_memory_allocated() / 2**30, 2)
    print(json.dumps(report, indent=1))


if __name__ == "__main__":
    main()
