"""The decode attention on the GPU at the model's shape against attention in float32, and
the time a layer's call takes in a CUDA graph, for each pipelining depth of the chunk loop
in `STAGES` at every chunk size (`decode_attention.PARTIAL_STAGES`, issue 13).

    python -m benchmarks.decode_attention_check

Prints one JSON object: for each context length and depth, the largest difference from
the reference and microseconds a call (48 calls a graph replay, as in a decode step's 48
layers). On an H100 (2026-12-07) a merge done by each KV head's last program inside the
partials' launch took 16.3 / 102.6 µs a call at 1k / 32k against 6.2 / 34.6 for the
merge's own launch: one program merging a head's group is a serial tail (NOTES.md).
"""

from __future__ import annotations

import json
import math

import torch

from benchmarks.variants import constants_set
from qwen_tui.engine.kernels import decode_attention
from qwen_tui.engine.kernels.decode_attention import DecodeAttention

HEADS, KV_HEADS, HEAD_DIM, MAX_LEN, LAYERS = 32, 4, 128, 40960, 48
STAGES = (2, 3)


def reference(q: torch.Tensor, k: torch.Tensor, v: torch.Tensor, length: int) -> torch.Tensor:
    group = HEADS // KV_HEADS
    keys = k[:, :length].float().repeat_interleave(group, 0)
    values = v[:, :length].float().repeat_interleave(group, 0)
    scores = (q.float()[:, None, :] @ keys.transpose(1, 2)) / math.sqrt(HEAD_DIM)
    return (torch.softmax(scores, -1) @ values)[:, 0]


def microseconds_a_call(attention: DecodeAttention, q, k, v, pos) -> float:
    for _ in range(3):  # compile and warm up outside the graph
        attention(q, k, v, pos)
    graph = torch.cuda.CUDAGraph()
    with torch.cuda.graph(graph):
        for _ in range(LAYERS):
            attention(q, k, v, pos)
    start, end = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
    graph.replay()
    start.record()
    for _ in range(20):
        graph.replay()
    end.record()
    torch.cuda.synchronize()
    return start.elapsed_time(end) * 1000 / (20 * LAYERS)


def main() -> None:
    device = torch.device("cuda")
    gen = torch.Generator(device="cuda").manual_seed(0)
    shape = (KV_HEADS, MAX_LEN, HEAD_DIM)
    k = torch.randn(shape, device=device, generator=gen, dtype=torch.bfloat16)
    v = torch.randn(shape, device=device, generator=gen, dtype=torch.bfloat16)
    report: dict[str, object] = {"device": torch.cuda.get_device_name()}
    for length in (1024, 8192, 32768, MAX_LEN):
        q = torch.randn(HEADS, HEAD_DIM, device=device, generator=gen, dtype=torch.bfloat16)
        pos = torch.tensor([length - 1], device=device)
        expected = reference(q, k, v, length)
        for stages in STAGES:
            every_chunk = dict.fromkeys((64, 256, 512), stages)
            with constants_set({(decode_attention, "PARTIAL_STAGES"): every_chunk}):
                attention = DecodeAttention(HEADS, KV_HEADS, HEAD_DIM, MAX_LEN, device)
                attention.chunk = decode_attention.chunk_for(length)
                out = attention(q, k, v, pos).float()
                name = f"{length}_{stages}_stages"
                report[f"max_abs_diff_{name}"] = round((out - expected).abs().max().item(), 5)
                report[f"us_a_call_{name}"] = round(microseconds_a_call(attention, q, k, v, pos), 2)
    print(json.dumps(report))


if __name__ == "__main__":
    main()
