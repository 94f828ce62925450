"""qwen-tui's decode speed on a model directory, against stock transformers in the same run.

    python -m benchmarks.decode --model DIR [--peer] [--json-out FILE]

Prints one JSON object: the device; load time; time to first token for 1k and 4k prompts,
and for prompts of lengths the warm-up never ran (first and second time);
decode tokens/s at 1k, 8k and 32k of context (tokens streamed to the host one by one, as
the engine does); peak GPU memory with the full 40,960-token cache; the fast path's logits
against the torch reference path; and with --peer the same figures for stock transformers
on the same weights dequantized to bf16, and the ratio.
"""

from __future__ import annotations

import argparse
import gc
import json
import time

import torch

from benchmarks.variants import constants_set, parse_settings
from qwen_tui.chat.sampling import THINKING_PRESET
from qwen_tui.engine.kernels import available
from qwen_tui.engine.loading import load_model
from qwen_tui.engine.runner.extract import weights_from_model
from qwen_tui.engine.runner.generate import Runner
from qwen_tui.engine.runner.step_weights import graph_blockers


def random_prompt(length: int, vocab: int, seed: int) -> list[int]:
    gen = torch.Generator().manual_seed(seed)
    return torch.randint(0, min(vocab, 150_000), (length,), generator=gen).tolist()


def sync() -> None:
    if torch.cuda.is_available():
        torch.cuda.synchronize()


def time_to_first_token(runner: Runner, prompt: list[int]) -> float:
    """Seconds to the first token of `prompt` read from its start, none of it cached."""
    runner.cached.forget()
    sync()
    start = time.perf_counter()
    next(iter(runner.generate(prompt, THINKING_PRESET, 1, stop_ids=set())))
    return time.perf_counter() - start


def decode_rate(runner: Runner, prompt: list[int], tokens: int) -> float:
    """Tokens/s after the first token, each token copied to the host as it comes."""
    stamps = []
    for _ in runner.generate(prompt, THINKING_PRESET, tokens, stop_ids=set()):
        stamps.append(time.perf_counter())
    return (len(stamps) - 1) / (stamps[-1] - stamps[0])


def logits_agreement(runner: Runner, vocab: int) -> dict:
    """The Triton path against the torch reference path on one prompt, same weights."""
    device = runner.token.device
    ids = torch.tensor(random_prompt(64, vocab, 7), device=device)
    pos = torch.tensor([64], device=device)
    decoder = runner.decoder
    # A chunk the eager prefill reads after one a graph read (its attention over the cache).
    later = torch.tensor(random_prompt(700, vocab, 8), device=device)
    with torch.inference_mode():
        fast = decoder.prefill(ids, 0).float()
        step = decoder.decode_step(ids[:1], pos).float()
        decoder.prefill(later[:100], 0)
        fast_later = decoder.prefill(later[100:], 100).float()
        fast_step, decoder.fast, decoder.ops.use_triton = decoder.fast, None, False
        ref = decoder.prefill(ids, 0).float()
        ref_step = decoder.decode_step(ids[:1], pos).float()
        decoder.prefill(later[:100], 0)
        ref_later = decoder.prefill(later[100:], 100).float()
        decoder.fast, decoder.ops.use_triton = fast_step, True

    def rel(a, b):
        return round(((a - b).norm() / b.norm()).item(), 5)

    return {
        "prefill_rel_err": rel(fast, ref),
        "later_chunk_600_rel_err": rel(fast_later, ref_later),
        "decode_rel_err": rel(step, ref_step),
        "decode_top1_equal": bool(step.argmax() == ref_step.argmax()),
        "tolerance": "rel err < 0.02 (bf16 activations, fp32 accumulation)",
    }


def measure_ours(model_dir: str, args) -> tuple[dict, object]:
    gpu = torch.cuda.is_available()
    if gpu:
        torch.cuda.reset_peak_memory_stats()
    started = time.perf_counter()
    # The stock peer runs transformers' forward on this model: its tree, not the runner's own.
    tree = False if args.peer else None
    loaded = load_model(
        model_dir, device="cuda" if gpu else "cpu", dtype="bfloat16", for_runner=tree
    )
    weights = weights_from_model(loaded.model)
    runner = Runner(weights, args.max_len, use_triton=available(loaded.device.type), use_graph=True)
    sync()
    report: dict = {"load_s": round(time.perf_counter() - started, 1)}
    started = time.perf_counter()
    runner.warm_up()
    report["kernel_compile_and_graph_capture_s"] = round(time.perf_counter() - started, 1)
    vocab = loaded.model.config.vocab_size
    for n in args.fresh_prompts:  # lengths the warm-up never ran: what a user's prompt meets
        prompt = random_prompt(n, vocab, n + 2)
        first, again = (time_to_first_token(runner, prompt) for _ in range(2))
        report[f"ttft_s_fresh_{n}"] = {"first": round(first, 4), "again": round(again, 4)}
    for n in args.prompts:
        report[f"ttft_s_{n}"] = round(time_to_first_token(runner, random_prompt(n, vocab, n)), 4)
    for ctx in args.contexts:
        rate = decode_rate(runner, random_prompt(ctx, vocab, ctx + 1), args.steps)
        report[f"decode_tok_s_{ctx}"] = round(rate, 1)
    if gpu:
        report["peak_gib"] = round(torch.cuda.max_memory_allocated() / 2**30, 2)
    report["cache_tokens"] = args.max_len
    report["graph_blockers"] = graph_blockers(weights)
    report["logits_vs_reference"] = logits_agreement(runner, vocab)
    if args.profile and gpu:
        report["prefill_4096_profile"] = profile_prefill(runner, vocab)
    return report, loaded


def profile_prefill(runner: Runner, vocab: int) -> dict:
    """Where a 4k prefill spends its GPU time (the top 25 kernels: name, ms, calls), and
    whether the host keeps up: the time until `prefill` returns (kernels queued, not run)
    against the time until the GPU is done. Close together, the host is the bound."""
    from torch.profiler import ProfilerActivity, profile

    ids = torch.tensor(random_prompt(4096, vocab, 11), device="cuda")
    with torch.inference_mode():
        runner.decoder.prefill(ids, 0)
        sync()
        start = time.perf_counter()
        runner.decoder.prefill(ids, 0)
        queued = time.perf_counter() - start
        sync()
        done = time.perf_counter() - start
        with profile(activities=[ProfilerActivity.CUDA]) as prof:
            runner.decoder.prefill(ids, 0)
            sync()
    rows = [
        (e.key[:70], round(e.device_time_total / 1000, 2), e.count) for e in prof.key_averages()
    ]
    return {
        "host_enqueue_ms": round(queued * 1000, 1),
        "wall_ms": round(done * 1000, 1),
        "top_kernels_ms": sorted(rows, key=lambda r: -r[1])[:25],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", required=True)
    parser.add_argument("--max-len", type=int, default=40960)
    parser.add_argument("--steps", type=int, default=128)
    parser.add_argument("--peer", action="store_true", help="also run stock transformers")
    parser.add_argument("--prompts", type=int, nargs="+", default=[1024, 4096])
    parser.add_argument("--fresh-prompts", type=int, nargs="*", default=[1000, 4000])
    parser.add_argument("--contexts", type=int, nargs="+", default=[1024, 8192, 32768])
    parser.add_argument("--json-out")
    parser.add_argument("--profile", action="store_true", help="profile a 4k prefill")
    parser.add_argument(
        "--set",
        action="append",
        default=[],
        metavar="MODULE.CONSTANT=VALUE",
        help="run with a kernel constant changed (see benchmarks/variants.py)",
    )
    args = parser.parse_args()
    device = torch.cuda.get_device_name() if torch.cuda.is_available() else "cpu"
    report = {"device": device, "torch": torch.__version__, "settings": args.set}
    with constants_set(parse_settings(args.set)):
        ours, loaded = measure_ours(args.model, args)
    report["qwen_tui"] = ours
    print(json.dumps(report, indent=1), flush=True)
    if args.peer:
        from benchmarks.stock_peer import measure_stock

        gc.collect()  # the runner, its cache and graphs go before the peer is built
        report["stock_transformers"] = peer = measure_stock(loaded, args.prompts, args.contexts)
        decode = {
            f"decode_{c}": round(ours[f"decode_tok_s_{c}"] / peer[f"decode_tok_s_{c}"], 1)
            for c in args.contexts
        }
        ttft = {
            f"ttft_{n}": round(peer[f"ttft_s_{n}"] / ours[f"ttft_s_{n}"], 1) for n in args.prompts
        }
        report["speedup_over_stock"] = decode | ttft
    text = json.dumps(report, indent=1)
    print(text)
    if args.json_out:
        with open(args.json_out, "w") as out:
            out.write(text)


if __name__ == "__main__":
    main()
