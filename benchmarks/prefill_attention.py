"""A long prompt chunk's causal attention: flash attention (what the eager prefill uses),
cuDNN's SDPA kernel, and `chunk_attention` at a few tile shapes (issue 13: the 4k
prompt's time to first token spends about 24 ms in attention on an H100).

    python -m benchmarks.prefill_attention [--cases 0:4096 4096:4096 0:1024]

Cases are start:tokens, over the model's 32 query and 4 KV heads of 128 in bf16. Prints
one JSON object: per case and variant the median milliseconds, TFLOP/s of the causal
attention, and the largest difference from flash attention's output; cuDNN's first call
(which builds its plan for the length) is reported apart.
"""

from __future__ import annotations

import argparse
import json
import time

import torch
import torch.nn.functional as F
from torch.nn.attention import SDPBackend, sdpa_kernel

from qwen_tui.engine.kernels.chunk_attention import ChunkTiles, chunk_attention
from qwen_tui.engine.runner import ops

HEADS, KV_HEADS, HEAD_DIM = 32, 4, 128
# sm_90, none spills (benchmarks/launch_compiler.py); 128 rows on 4 warps spilled 236 bytes.
TILES = [
    ChunkTiles(),
    ChunkTiles(block_m=128, block_s=64, warps=8),
    ChunkTiles(block_m=128, block_s=64, warps=8, heavy_first=True),
    ChunkTiles(block_m=128, block_s=128, warps=8),
    ChunkTiles(block_m=128, block_s=64, warps=8, stages=3),
    ChunkTiles(block_m=128, block_s=128, warps=8, stages=3, heavy_first=True),
    ChunkTiles(block_m=64, block_s=128, warps=4, heavy_first=True),
    ChunkTiles(block_m=128, block_s=64, warps=8, stages=3, heavy_first=True),
]


def median_ms(fn, repeats: int = 15) -> float:
    fn()
    torch.cuda.synchronize()
    times = []
    for _ in range(repeats):
        begin, end = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
        begin.record()
        fn()
        end.record()
        end.synchronize()
        times.append(begin.elapsed_time(end))
    return sorted(times)[len(times) // 2]


def causal_flop(start: int, tokens: int) -> float:
    """Two matmuls of 2 FLOP a multiply-add over the keys each row sees."""
    keys_seen = tokens * start + tokens * (tokens + 1) / 2
    return 4 * HEADS * HEAD_DIM * keys_seen


def case_report(start: int, tokens: int, gen: torch.Generator) -> dict[str, object]:
    end = start + tokens
    q_heads = torch.randn(HEADS, tokens, HEAD_DIM, device="cuda", generator=gen).bfloat16()
    k = torch.randn(KV_HEADS, end + 64, HEAD_DIM, device="cuda", generator=gen).bfloat16()
    v = torch.randn(KV_HEADS, end + 64, HEAD_DIM, device="cuda", generator=gen).bfloat16()
    start_t = torch.tensor([start], device="cuda")
    flop = causal_flop(start, tokens)

    def flash() -> torch.Tensor:
        return ops.causal_attention(q_heads.transpose(0, 1), k, v, start, end)

    expected = flash().float()
    report: dict[str, object] = {}

    def record(name: str, fn) -> None:
        try:
            diff = (fn().float() - expected).abs().max().item()
            ms = median_ms(fn)
        except Exception as error:  # a tile that does not fit: say so, go on
            report[name] = {"error": f"{type(error).__name__}: {str(error)[:120]}"}
            return
        report[name] = {"ms": round(ms, 3), "tflops": round(flop / ms / 1e9, 1), "max_diff": diff}

    record("flash", flash)
    if start == 0:

        def cudnn() -> torch.Tensor:
            with sdpa_kernel([SDPBackend.CUDNN_ATTENTION]):
                out = F.scaled_dot_product_attention(
                    q_heads[None],
                    k[None, :, :end],
                    v[None, :, :end],
                    is_causal=True,
                    enable_gqa=True,
                )
            return out[0].transpose(0, 1).reshape(tokens, -1)

        begin = time.perf_counter()
        try:
            cudnn()
            torch.cuda.synchronize()
            report["cudnn_first_call_s"] = round(time.perf_counter() - begin, 3)
        except Exception as error:
            report["cudnn_first_call_s"] = f"{type(error).__name__}: {str(error)[:120]}"
        record("cudnn", cudnn)
    for tiles in TILES:
        name = f"chunk m{tiles.block_m} s{tiles.block_s} w{tiles.warps} st{tiles.stages}" + (
            " heavy_first" if tiles.heavy_first else ""
        )
        record(name, lambda tiles=tiles: chunk_attention(q_heads, k, v, start_t, tiles=tiles))
    return report


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cases", nargs="+", default=["0:4096", "4096:4096", "0:1024", "0:16384"])
    args = parser.parse_args()
    gen = torch.Generator(device="cuda").manual_seed(0)
    report: dict[str, object] = {"device": torch.cuda.get_device_name()}
    for case in args.cases:
        start, tokens = (int(part) for part in case.split(":"))
        report[case] = case_report(start, tokens, gen)
        print(json.dumps({case: report[case]}), flush=True)
    print(json.dumps(report))


if __name__ == "__main__":
    main()
