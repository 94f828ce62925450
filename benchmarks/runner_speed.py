"""Decode and prefill speed of the runner on random Qwen3-30B-A3B-shaped int4 weights.

    python benchmarks/runner_speed.py [--layers 48] [--max-len 40960] [--profile] [--variants]
                                      [--steps] [--tiles]

Prints one JSON object: the device, Triton-vs-reference logits agreement, time to first
token for 1k and 4k prompts, decode tokens/s at 1k, 8k and 32k of context, and peak memory.
"""

from __future__ import annotations

import argparse
import json
import sys
import time

import torch

from benchmarks.decode import decode_rate, logits_agreement, random_prompt
from benchmarks.qwen3_30b_a3b import config_30b_a3b, random_weights
from benchmarks.variants import Changes, as_settings, constants_set
from qwen_tui.chat.sampling import THINKING_PRESET
from qwen_tui.engine.kernels import (
    decode_attention,
    int4_gemv,
    launch_overlap,
    merged_o_gemv,
    moe_decode,
    moe_route,
    residual_input,
)
from qwen_tui.engine.runner import generate, sampler
from qwen_tui.engine.runner.generate import Runner


def time_decode(runner: Runner, context: int, tokens: int = 256) -> float:
    """Tokens/s of a reply at a given context, streamed to the host as the engine does
    (replays queued ahead of the host's reads); its graph is captured before timing."""
    vocab = runner.decoder.w.embed.shape[0]
    prompt = random_prompt(context, vocab, context)
    list(runner.generate(prompt, THINKING_PRESET, 2 * runner.replay.steps + 1, set()))
    return decode_rate(runner, prompt, tokens)


def steps_sweep(runner: Runner) -> dict:
    """Decode speed by decode steps per graph replay (STEPS_PER_REPLAY), at 1k and 32k."""
    default = runner.replay.steps
    rates = {}
    for steps in (1, 2, 4, 8, 16):
        runner.set_steps(steps)
        rates[f"steps{steps}_ctx1024"] = round(time_decode(runner, 1024), 1)
        if steps in (1, default) and runner.max_len > 32768:
            rates[f"steps{steps}_ctx32768"] = round(time_decode(runner, 32768), 1)
    runner.set_steps(default)
    return rates


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


# Each tried against the defaults. The fusions (FUSE_QK, sampler.FUSED, PDL,
# moe_route.FUSE_NORM, sampler.FUSED_TOP_K: NOTES.md) are
# defaults; these switch the newest ones off one at a time, and all of them, for reference.
# A new candidate goes here first.
DECODE_VARIANTS: dict[str, Changes] = {
    "norm_in_qkv_gemv": {(residual_input, "NORM_INPUT"): True},  # the candidates
    "merge_in_o_gemv": {(merged_o_gemv, "FOLD_MERGE"): True},
    "norm_in_qkv_merge_in_o": {
        (residual_input, "NORM_INPUT"): True,
        (merged_o_gemv, "FOLD_MERGE"): True,
    },
    "prefetch_next_qkv": {(moe_route, "PREFETCH_NEXT"): True},  # 2026-12-08: no gain
    "torch_topk": {(sampler, "FUSED_TOP_K"): False},
    "norm_apart_from_router": {(moe_route, "FUSE_NORM"): False},
    "attention_two_stages": {(decode_attention, "PARTIAL_STAGES"): {64: 2, 256: 2, 512: 2}},
    "attention_128_keys_at_512": {(decode_attention, "PARTIAL_KEYS"): {64: 64, 256: 64, 512: 128}},
    "older_defaults": {
        (launch_overlap, "PDL"): False,
        (decode_attention, "FUSE_QK"): False,
        (sampler, "FUSED"): False,
        (moe_route, "FUSE_NORM"): False,
        (sampler, "FUSED_TOP_K"): False,
    },
}


# The decode GEMVs' and MoE kernels' tiling (--tiles): they start and wait far longer than
# their bytes take (NOTES.md), so how many programs, how wide and how many warps is open.
# The first sweep on the H200 (2026-12-03): GEMV programs 528 / 2112 390.6 / 399.4, GEMV
# BLOCK_N 32 / 128 202.2 / 398.4, GEMV 4 warps 220.2, MoE programs 528 / 2112 371.6 / 414.4,
# MoE BLOCK_N 32 / 128 122.0 / 410.5, MoE 4 warps 141.7, against 399.2 (1k): this one
# combines the MoE's two winners and goes further.
_MOE_PROGRAMS, _MOE_BLOCK_N = (moe_decode, "TARGET_PROGRAMS"), (moe_decode, "BLOCK_N")
TILE_VARIANTS: dict[str, Changes] = {
    "moe_programs_2112": {_MOE_PROGRAMS: 2112},
    "moe_programs_3168": {_MOE_PROGRAMS: 3168},
    "moe_programs_4224": {_MOE_PROGRAMS: 4224},
    "moe_programs_2112_block_n_128": {_MOE_PROGRAMS: 2112, _MOE_BLOCK_N: 128},
    "moe_programs_4224_block_n_128": {_MOE_PROGRAMS: 4224, _MOE_BLOCK_N: 128},
    "moe_2112_gemv_2112": {_MOE_PROGRAMS: 2112, (int4_gemv, "TARGET_PROGRAMS"): 2112},
}


def variant_sweep(
    runner: Runner,
    tried: dict[str, Changes],
    long_for: tuple[str, ...] = (
        "prefetch_next_qkv",
        "norm_apart_from_router",
        "attention_two_stages",
    ),
) -> dict:
    """Decode speed at 1k (and 32k for some) with the defaults and with each of `tried`
    (the graphs are captured again for each; at 32k too for the defaults and `long_for`),
    and the fastest at 1k as `--set` settings.
    A variant that fails is reported as its error; each result also goes to stderr as it
    comes, so a crash keeps the ones before it."""
    variants = {"defaults": {}, **tried}
    rates = {}
    for name, changes in variants.items():
        with constants_set(changes):
            runner.reset_graphs()
            contexts = (1024, 32768) if name in ("defaults", *long_for) else (1024,)
            try:
                rates[name] = {
                    ctx: round(time_decode(runner, ctx), 1)
                    for ctx in contexts
                    if ctx < runner.max_len
                }
            except Exception as error:  # the finding, not a crash of the sweep
                rates[name] = {"error": f"{type(error).__name__}: {str(error)[:300]}"}
        print(json.dumps({name: rates[name]}), file=sys.stderr, flush=True)
    runner.reset_graphs()
    timed = [name for name in rates if 1024 in rates[name]]
    best = max(timed, key=lambda name: rates[name][1024])
    return {"tok_s": rates, "best_at_1k": best, "best_settings": as_settings(variants[best])}


def time_prefill(runner: Runner, tokens: int, vocab: int) -> float:
    ids = torch.randint(0, vocab, (tokens,), device="cuda")
    runner.decoder.prefill(ids, 0)  # warm-up: Triton compiles per shape bucket
    torch.cuda.synchronize()
    start = time.perf_counter()
    logits = runner.decoder.prefill(ids, 0)
    runner.sampler.sample(logits).item()
    return time.perf_counter() - start


def profile_step(runner: Runner, context: int = 1024, replays: int = 8) -> dict:
    """Where a decode step's GPU time goes, from graph replays at `context`: per kernel,
    ms per token; and a token's wall time against the sum of its kernels' (the rest is
    the gaps between about 500 launches)."""
    from torch.profiler import ProfilerActivity, profile

    def replay_all() -> None:
        for _ in range(replays):
            runner.start_at(context)
            runner.replay(context)
        torch.cuda.synchronize()

    replay_all()  # captured, warm
    started = time.perf_counter()
    replay_all()
    tokens = replays * runner.replay.steps
    wall_ms = (time.perf_counter() - started) * 1000 / tokens
    with profile(activities=[ProfilerActivity.CUDA]) as prof:
        replay_all()
    rows = [
        (e.key[:60], round(e.device_time_total / 1000 / tokens, 4), e.count // tokens)
        for e in prof.key_averages()
    ]
    return {
        "context": context,
        "token_wall_ms": round(wall_ms, 4),
        "token_kernels_ms": round(sum(r[1] for r in rows), 4),
        "per_token_ms_and_launches": sorted(rows, key=lambda r: -r[1])[:20],
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--layers", type=int, default=48)
    parser.add_argument("--max-len", type=int, default=40960)
    parser.add_argument("--profile", action="store_true")
    parser.add_argument("--chunks", action="store_true", help="sweep attention chunk sizes")
    parser.add_argument("--variants", action="store_true", help="try DECODE_VARIANTS")
    parser.add_argument("--only", nargs="+", choices=DECODE_VARIANTS, help="of them, these")
    parser.add_argument("--steps", action="store_true", help="sweep decode steps a replay")
    parser.add_argument("--tiles", action="store_true", help="try TILE_VARIANTS")
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
        if args.steps:
            report["decode_tok_s_by_steps"] = steps_sweep(runner)
        if args.variants:
            tried = {
                k: v for k, v in DECODE_VARIANTS.items() if k in (args.only or DECODE_VARIANTS)
            }
            report["decode_tok_s_by_variant"] = variant_sweep(runner, tried)
        if args.tiles:
            tiles = variant_sweep(runner, TILE_VARIANTS, long_for=tuple(TILE_VARIANTS))
            report["decode_tok_s_by_tiles"] = tiles
        if args.profile:
            report["profile_ms"] = profile_step(runner)
    report["peak_gib"] = round(torch.cuda.max_memory_allocated() / 2**30, 2)
    print(json.dumps(report, indent=1))


if __name__ == "__main__":
    main()
