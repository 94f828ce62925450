"""A later prefill chunk's attention on the GPU (flash attention's own op, bottom-right
causal) against the same attention computed with an explicit mask in float32 (issue 13).

    python -m benchmarks.chunk_attention_check

Prints one JSON object: the largest difference for a few chunk placements (bf16, the
model's 32 query and 4 KV heads of 128).
"""

from __future__ import annotations

import json

import torch
import torch.nn.functional as F

from qwen_tui.engine.runner import ops


def masked_reference(q, k_cache, v_cache, start, end) -> torch.Tensor:
    group = q.shape[1] // k_cache.shape[0]
    keys = k_cache[:, :end].repeat_interleave(group, dim=0).float()[None]
    values = v_cache[:, :end].repeat_interleave(group, dim=0).float()[None]
    rows = torch.arange(start, end, device=q.device)[:, None]
    mask = torch.arange(end, device=q.device)[None, :] <= rows
    out = F.scaled_dot_product_attention(q.float().transpose(0, 1)[None], keys, values, mask)
    return out[0].transpose(0, 1).reshape(q.shape[0], -1)


def main() -> None:
    gen = torch.Generator(device="cuda").manual_seed(0)
    report = {"device": torch.cuda.get_device_name()}
    for start, length in [(4096, 4096), (8192, 4000), (100, 37)]:
        end = start + length
        q = torch.randn(length, 32, 128, device="cuda", generator=gen, dtype=torch.bfloat16)
        k = torch.randn(4, end + 64, 128, device="cuda", generator=gen, dtype=torch.bfloat16)
        v = torch.randn(4, end + 64, 128, device="cuda", generator=gen, dtype=torch.bfloat16)
        ours = ops.causal_attention(q, k, v, start, end).float()
        reference = masked_reference(q, k, v, start, end)
        report[f"max_abs_diff_{start}+{length}"] = round((ours - reference).abs().max().item(), 5)
    print(json.dumps(report))


if __name__ == "__main__":
    main()
