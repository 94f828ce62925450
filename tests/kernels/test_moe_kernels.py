"""The MoE kernels route like transformers' Qwen3-MoE router and compute the same layer."""

from __future__ import annotations

import pytest
import torch
import torch.nn.functional as F

from qwen_tui.engine.kernels import int4_gemv, moe_decode
from qwen_tui.engine.kernels.fused_moe import fused_moe
from qwen_tui.engine.kernels.moe_decode import moe_decode_into
from qwen_tui.engine.kernels.moe_reference import align_pairs, route
from qwen_tui.engine.kernels.moe_route import Residual, RouterRoute
from qwen_tui.engine.kernels.moe_topk import route_topk
from qwen_tui.engine.runner.ops import rms_norm
from tests.kernels.int4_weights import int4_experts, int4_weight, rel_err

E, H, INTER, TOP_K = 8, 128, 64, 3


@pytest.fixture(scope="module")
def experts():
    gate, gate_w = int4_experts(E, H, INTER, 32, seed=1)
    up, up_w = int4_experts(E, H, INTER, 32, seed=2)
    down, down_w = int4_experts(E, INTER, H, 32, seed=3)
    return (gate, up, down), (gate_w, up_w, down_w)


def reference_moe(x, logits, dense, normalize=True):
    gate_w, up_w, down_w = dense
    probs = torch.softmax(logits.float(), dim=-1)
    weights, ids = torch.topk(probs, TOP_K, dim=-1)
    if normalize:
        weights = weights / weights.sum(-1, keepdim=True)
    out = torch.zeros_like(x)
    for t in range(x.shape[0]):
        for slot in range(TOP_K):
            e = ids[t, slot]
            act = F.silu(x[t] @ gate_w[e]) * (x[t] @ up_w[e])
            out[t] += weights[t, slot] * (act @ down_w[e])
    return out


@pytest.mark.parametrize("tokens", [1, 2, 7, 40])
def test_fused_moe_matches_a_per_expert_loop(tokens, experts):
    (gate, up, down), dense = experts
    x, logits = torch.randn(tokens, H), torch.randn(tokens, E)
    out = fused_moe(x, logits, gate, up, down, TOP_K, normalize=True)
    assert rel_err(out, reference_moe(x, logits, dense)) < 1e-5


def test_decode_moe_adds_the_layer_output_and_route_clears_its_scratch(experts):
    (gate, up, down), dense = experts
    x, logits = torch.randn(1, H), torch.randn(1, E)
    ids = torch.zeros(1, TOP_K, dtype=torch.int32)
    weights = torch.zeros(1, TOP_K)
    scratch = torch.full((TOP_K, 2 * INTER), 5.0)  # stale sums from a previous layer
    out = torch.ones(1, H)
    route_topk(logits, TOP_K, True, ids, weights, scratch)
    assert torch.all(scratch == 0)
    moe_decode_into(x, ids, weights, gate, up, down, scratch, out)
    assert rel_err(out, 1 + reference_moe(x, logits, dense)) < 1e-5


@pytest.mark.parametrize("normalize", [True, False])
def test_route_topk_agrees_with_softmax_topk(normalize):
    logits = torch.randn(4, 128)
    ids = torch.zeros(4, 8, dtype=torch.int32)
    weights = torch.zeros(4, 8)
    route_topk(logits, 8, normalize, ids, weights, torch.zeros(4, 16))
    ref_w, ref_ids = route(logits, 8, normalize)
    assert torch.equal(ids.long(), ref_ids)
    assert torch.allclose(weights, ref_w, atol=1e-6)


@pytest.mark.parametrize("normalize", [True, False])
def test_router_route_picks_the_experts_of_the_router_logits(normalize):
    x, router = torch.randn(1, 96), torch.randn(128, 96)
    ids = torch.zeros(1, 8, dtype=torch.int32)
    weights = torch.zeros(1, 8)
    scratch = torch.full((8, 40), 5.0)  # stale gate/up sums from the previous layer
    router_route = RouterRoute(128, torch.device("cpu"))
    for _ in range(2):  # the counter resets itself: a second launch routes again
        router_route(x, router, 8, normalize, ids, weights, scratch)
    ref_w, ref_ids = route(x @ router.T, 8, normalize)
    assert torch.equal(ids.long(), ref_ids)
    assert torch.allclose(weights, ref_w, atol=1e-6)
    assert torch.all(scratch == 0) and router_route.counter.item() == 0


def test_router_route_norms_its_input_from_the_residual_when_given_it():
    h, acc, norm = torch.randn(1, 96), torch.randn(1, 96), torch.randn(96)
    router = torch.randn(128, 96)
    ids, weights = torch.zeros(1, 8, dtype=torch.int32), torch.zeros(1, 8)
    x = torch.zeros(1, 96)
    before = h.clone()
    RouterRoute(128, torch.device("cpu"))(
        x, router, 8, True, ids, weights, torch.zeros(8, 40), Residual(h, acc, norm, 1e-6)
    )
    expected_x = rms_norm(h + acc, norm, 1e-6)
    torch.testing.assert_close(x, expected_x, atol=1e-5, rtol=1e-5)  # for the experts
    ref_w, ref_ids = route(expected_x @ router.T, 8, True)
    assert torch.equal(ids.long(), ref_ids)
    assert torch.allclose(weights, ref_w, atol=1e-5)
    assert torch.equal(h, before) and acc.abs().sum() > 0  # the norm after adds acc to h


def test_align_pairs_groups_each_expert_into_whole_blocks():
    ids = torch.tensor([[3, 1], [1, 0], [3, 3], [2, 1]])
    pair_ids, block_expert = align_pairs(ids, num_experts=4, block_m=2)
    flat = ids.reshape(-1)
    valid = pair_ids < flat.numel()
    assert sorted(pair_ids[valid].tolist()) == list(range(flat.numel()))
    for block, expert in enumerate(block_expert.tolist()):
        rows = pair_ids[block * 2 : block * 2 + 2]
        rows = rows[rows < flat.numel()]
        assert torch.all(flat[rows] == expert)


TILINGS = [
    {},
    {"BLOCK_N": 32},
    {"BLOCK_N": 64},
    {"BLOCK_N": 128},  # wider than the experts' 64 columns: gate's and up's blocks part-filled
    {"TARGET_PROGRAMS": 64},
    {"TARGET_PROGRAMS": 4096},
    {"WARPS": 4},
]


@pytest.mark.parametrize("tiling", TILINGS, ids=lambda t: repr(t) if t else "defaults")
def test_decode_moe_and_gemv_give_the_same_sums_under_every_tiling_tried(
    tiling, experts, monkeypatch
):
    # runner_speed.py --tiles sets these on the GPU: whichever wins must stay exact.
    for name, value in tiling.items():
        monkeypatch.setattr(moe_decode, name, value)
        monkeypatch.setattr(int4_gemv, name, value)
    (gate, up, down), dense = experts
    x, logits = torch.randn(1, H), torch.randn(1, E)
    ids, weights = torch.zeros(1, TOP_K, dtype=torch.int32), torch.zeros(1, TOP_K)
    scratch, out = torch.zeros(TOP_K, 2 * INTER), torch.zeros(1, H)
    route_topk(logits, TOP_K, True, ids, weights, scratch)
    moe_decode_into(x, ids, weights, gate, up, down, scratch, out)
    assert rel_err(out, reference_moe(x, logits, dense)) < 1e-5
    packed, w = int4_weight(256, 96, 32, seed=5)  # 96 columns: a part-filled block at 64
    x_row, acc = torch.randn(1, 256), torch.zeros(1, 96)
    int4_gemv.int4_gemv_into(x_row, packed.qweight, packed.qzeros, packed.scales, 32, acc)
    assert rel_err(acc, x_row @ w) < 1e-5
