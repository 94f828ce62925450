"""Short prefills as CUDA graph replays against the eager fused prefill, on random
Qwen3-30B-A3B-shaped int4 weights: agreement of the logits, and the time to the logits with
the GIL free and with another thread busy in Python (as the chat UI's thread is while a
turn starts).

    python -m benchmarks.prefill_graphs [--layers 48] [--max-len 32768] [--long-buckets]

`--long-buckets` adds graphs of 1,024 and 2,048 tokens and cases for them, to see whether
chunks past today's largest bucket (512) would gain from a graph too.

Prints one JSON object: the device, the graphs' capture time and memory, and per case
(prompt length, start) whether the engine would take the graph (`GRAPH_MAX_ATTENDED`), the
logits' largest difference relative to their largest value, whether the top token
agrees, and milliseconds from the call to the logits on the host (median of 5), eager
and graphed (past the cap too), idle and contended.
"""

from __future__ import annotations

import argparse
import json
import statistics
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

import torch

from benchmarks.qwen3_30b_a3b import config_30b_a3b, random_weights
from benchmarks.variants import constants_set
from qwen_tui.engine.runner import prefill_replay
from qwen_tui.engine.runner.decoder import Decoder
from qwen_tui.engine.runner.prefill_replay import PrefillReplay

# (new tokens, start): a first message, a later turn, and later turns far into a long
# conversation, on both sides of the graphs' attention cap.
CASES = (
    (47, 0),
    (200, 0),
    (500, 0),
    (47, 3000),
    (300, 3000),
    (300, 7000),
    (47, 30000),
    (200, 30000),
)
LONG_BUCKETS = (1024, 2048)
LONG_CASES = ((1000, 0), (1000, 3000), (2000, 0))


@contextmanager
def busy_python() -> Iterator[None]:
    """Another thread running Python for as long as the block runs."""
    stop = threading.Event()

    def spin() -> None:
        while not stop.is_set():
            sum(range(200))

    thread = threading.Thread(target=spin, daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join()


def logits_of(decoder: Decoder, ids: torch.Tensor, start: int) -> torch.Tensor:
    logits = decoder.prefill(ids, start)
    assert logits is not None  # only a cancel gives None
    return logits


def to_logits_ms(decoder: Decoder, ids: torch.Tensor, start: int) -> float:
    torch.cuda.synchronize()
    began = time.perf_counter()
    logits_of(decoder, ids, start)[0].item()  # the host reads the logits, as sampling does
    return (time.perf_counter() - began) * 1000


def timed(
    decoder: Decoder, ids: torch.Tensor, start: int, contended_repeats: int
) -> dict[str, float | None]:
    """Median ms to the logits idle, and with a thread busy in Python (`contended_repeats`
    times: an eager prefill waits for the GIL at each of its ~2,800 launches, about 14 s
    on an H100 for 47 tokens, so it is timed once, in the first case only)."""
    to_logits_ms(decoder, ids, start)  # a first call pays for any compile or capture
    idle = statistics.median(to_logits_ms(decoder, ids, start) for _ in range(5))
    contended = None
    if contended_repeats:
        with busy_python():
            runs = [to_logits_ms(decoder, ids, start) for _ in range(contended_repeats)]
        contended = round(statistics.median(runs), 2)
    return {"idle_ms": round(idle, 2), "contended_ms": contended}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--layers", type=int, default=48)
    parser.add_argument("--max-len", type=int, default=32768)
    parser.add_argument("--long-buckets", action="store_true", help="graphs of 1k, 2k too")
    args = parser.parse_args()
    torch.manual_seed(0)
    config = config_30b_a3b(num_hidden_layers=args.layers)
    decoder = Decoder(random_weights(config), args.max_len, use_triton=True)
    assert decoder.fast_prefill is not None
    buckets = prefill_replay.GRAPH_BUCKETS + (LONG_BUCKETS if args.long_buckets else ())
    cases = CASES + (LONG_CASES if args.long_buckets else ())
    replay = PrefillReplay(decoder.fast_prefill, args.max_len, use_graph=True, buckets=buckets)
    report: dict = {"device": torch.cuda.get_device_name(), "layers": args.layers}
    with torch.inference_mode():
        warm = torch.randint(config.vocab_size, (64,), device="cuda")
        decoder.prefill(warm, 0)  # compile and tune the eager kernels first
        torch.cuda.synchronize()
        before, began = torch.cuda.memory_reserved(), time.perf_counter()
        replay.capture_all()
        torch.cuda.synchronize()
        report["capture_s"] = round(time.perf_counter() - began, 2)
        report["graphs_mib"] = round((torch.cuda.memory_reserved() - before) / 2**20, 1)
        for tokens, start in cases:
            ids = torch.randint(config.vocab_size, (tokens,), device="cuda")
            decoder.prefill_replay = None
            eager = logits_of(decoder, ids, start).float()
            eager_times = timed(decoder, ids, start, 1 if (tokens, start) == CASES[0] else 0)
            decoder.prefill_replay = replay
            taken = replay.bucket_for(tokens, start) is not None
            with constants_set({(prefill_replay, "GRAPH_MAX_ATTENDED"): None}):  # past it too
                graphed = logits_of(decoder, ids, start).float()
                graphed_times = timed(decoder, ids, start, 5)
            report[f"{tokens}_from_{start}"] = {
                "graphed_by_default": taken,
                "max_diff_rel": round(
                    ((graphed - eager).abs().max() / eager.abs().max()).item(), 5
                ),
                "top_token_agrees": bool(graphed.argmax() == eager.argmax()),
                "eager": eager_times,
                "graphed": graphed_times,
            }
            print(
                json.dumps({f"{tokens}_from_{start}": report[f"{tokens}_from_{start}"]}), flush=True
            )
    print(json.dumps(report, indent=1))


if __name__ == "__main__":
    main()
