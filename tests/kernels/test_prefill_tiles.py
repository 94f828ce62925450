"""Every prefill tile regime computes the same product: the MoE at 16-, 64- and 128-row
tiles, the dense int4 matmul in registers and on a dequantized weight; and the autotuner is
never offered a tile that would straddle a quantization group or spill its accumulators."""

from __future__ import annotations

import pytest
import torch
import triton

from qwen_tui.engine.kernels import int4_matmul as int4_matmul_module
from qwen_tui.engine.kernels import tuning
from qwen_tui.engine.kernels.fused_moe import fused_moe
from qwen_tui.engine.kernels.int4_matmul import int4_matmul
from tests.kernels.int4_weights import int4_experts, int4_weight, rel_err

E, H, INTER, TOP_K = 8, 64, 32, 3


def reference_moe(x, logits, dense):
    """Each token through its top-k experts one by one, in float32."""
    gate_w, up_w, down_w = dense
    weights, ids = torch.softmax(logits, dim=-1).topk(TOP_K, dim=-1)
    weights = weights / weights.sum(-1, keepdim=True)
    out = torch.zeros_like(x)
    for t in range(x.shape[0]):
        for w, e in zip(weights[t], ids[t], strict=True):
            out[t] += (
                w * (torch.nn.functional.silu(x[t] @ gate_w[e]) * (x[t] @ up_w[e])) @ down_w[e]
            )
    return out


@pytest.mark.parametrize("block_m", [16, 64, 128, 256])
def test_moe_gives_the_same_output_at_every_tile_height(block_m, monkeypatch):
    monkeypatch.setattr(tuning, "MOE_MEDIUM_ROWS", 0 if block_m >= 64 else 10**9)
    monkeypatch.setattr(tuning, "MOE_LARGE_ROWS", 0 if block_m >= 128 else 10**9)
    monkeypatch.setattr(tuning, "MOE_HUGE_ROWS", 0 if block_m == 256 else None)
    assert tuning.moe_block_m(40, TOP_K, E) == block_m
    gate, gate_w = int4_experts(E, H, INTER, 32, seed=1)
    up, up_w = int4_experts(E, H, INTER, 32, seed=2)
    down, down_w = int4_experts(E, INTER, H, 32, seed=3)
    x, logits = torch.randn(40, H), torch.randn(40, E)
    out = fused_moe(x, logits, gate, up, down, TOP_K, normalize=True)
    assert rel_err(out, reference_moe(x, logits, (gate_w, up_w, down_w))) < 1e-5


def test_tile_height_grows_with_the_rows_each_expert_gets():
    heights = [tuning.moe_block_m(tokens, 8, 128) for tokens in (16, 64, 1024, 4096, 16384)]
    assert heights == sorted(heights) and heights[0] == 16 and heights[-1] == 128


@pytest.mark.parametrize("dequant_rows", [16, None])
def test_dense_matmul_is_the_same_for_long_prompts(dequant_rows, monkeypatch):
    monkeypatch.setattr(int4_matmul_module, "DEQUANT_ROWS", dequant_rows)
    packed, w = int4_weight(256, 96, 64, sym=False)
    x = torch.randn(24, 256)
    out = int4_matmul(x, packed.qweight, packed.qzeros, packed.scales, None, 64)
    assert rel_err(out, x @ w) < 1e-5


def config(block_m, block_n, block_k, warps):
    tiles = {"BLOCK_M": block_m, "BLOCK_N": block_n, "BLOCK_K": block_k}
    return triton.Config(tiles, num_warps=warps, num_stages=3)


def test_pruning_keeps_tiles_inside_one_group_and_within_registers():
    configs = [config(64, n, k, w) for n, k, w, _ in tuning.PREFILL_TILES]
    configs += [config(128, 128, 64, 8), config(128, 128, 32, 8)]
    for group in (32, 64, 128):
        kept = tuning.fits_group(configs, {"group_size": group})
        assert kept and all(group % c.kwargs["BLOCK_K"] == 0 for c in kept)
    gate_up = tuning.fits_group(
        [config(128, 256, 64, 8), config(128, 128, 64, 8)], {"group_size": 128}, GATE_UP=True
    )
    assert [c.kwargs["BLOCK_N"] for c in gate_up] == [128]
