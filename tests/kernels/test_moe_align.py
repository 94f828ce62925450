"""The MoE's alignment step groups (token, expert) pairs by expert with no host sync, so on
a GPU the host can queue the next layers while this one runs."""

from __future__ import annotations

import pytest
import torch

from qwen_tui.engine.kernels import moe_align
from qwen_tui.engine.kernels.fused_moe import fused_moe
from qwen_tui.engine.kernels.moe_reference import align_pairs
from tests.kernels.host_syncs import HostSyncRecorder
from tests.kernels.int4_weights import int4_experts

E = 16


def random_routing(tokens: int, top_k: int, seed: int) -> torch.Tensor:
    """Top-k distinct experts per token, drawn from the first half only: half the experts
    get no token at all."""
    gen = torch.Generator().manual_seed(seed)
    scores = torch.rand(tokens, E // 2, generator=gen)
    return scores.topk(top_k, dim=-1).indices


@pytest.mark.parametrize("block_m", [16, 64, 128])
@pytest.mark.parametrize("tokens", [1, 5, 300])
def test_each_expert_gets_whole_blocks_holding_exactly_its_pairs(tokens, block_m):
    ids = random_routing(tokens, 4, seed=tokens + block_m)
    flat = ids.reshape(-1)
    pair_ids, block_expert = align_pairs(ids, E, block_m)
    counts = torch.bincount(flat, minlength=E)
    assert counts[E // 2 :].sum() == 0  # the case that must not break: idle experts
    blocks = pair_ids.view(-1, block_m)
    real = blocks < flat.numel()
    starts_real = real[:, 0]
    assert torch.all(real.cummin(dim=1).values == real)  # padding only at a block's end
    for expert in range(E):
        mine = blocks[starts_real & (block_expert == expert)]
        rows = mine[mine < flat.numel()]
        assert rows.numel() == counts[expert]
        assert torch.all(flat[rows] == expert)
        assert torch.equal(rows, rows.sort().values)  # token order kept within an expert
        assert mine.shape[0] == -(-int(counts[expert]) // block_m)
    assert sorted(pair_ids[pair_ids < flat.numel()].tolist()) == list(range(flat.numel()))


@pytest.mark.parametrize(
    ("tokens", "num_experts", "block_m", "chunk", "plan_rows", "block_rows"),
    [
        (1, E, 16, moe_align.CHUNK, moe_align.PLAN_ROWS, moe_align.PLAN_BLOCK_ROWS),
        (300, E, 128, moe_align.CHUNK, moe_align.PLAN_ROWS, moe_align.PLAN_BLOCK_ROWS),
        # many chunks and blocks, several planning passes of each, E not a power of 2
        (300, 12, 64, 16, 2, 4),
        (70, 12, 16, 32, 1, 2),
    ],
)
def test_triton_alignment_places_every_pair_where_the_reference_does(
    tokens, num_experts, block_m, chunk, plan_rows, block_rows, monkeypatch
):
    monkeypatch.setattr(moe_align, "CHUNK", chunk)
    monkeypatch.setattr(moe_align, "PLAN_ROWS", plan_rows)
    monkeypatch.setattr(moe_align, "PLAN_BLOCK_ROWS", block_rows)
    monkeypatch.setattr(moe_align, "FILL_BLOCK", min(moe_align.FILL_BLOCK, 2 * chunk))
    ids = random_routing(tokens, 4, seed=tokens) % num_experts
    # Memory that held an earlier layer's pair ids: each padding slot must be written.
    stale = torch.zeros(4096, dtype=torch.int64)
    monkeypatch.setattr(moe_align.torch, "empty", _stale_empty(stale))
    pair_ids, block_expert = moe_align.align_pairs_triton(ids, num_experts, block_m)
    ref_pairs, ref_blocks = align_pairs(ids, num_experts, block_m)
    assert torch.equal(pair_ids, ref_pairs)
    assert torch.equal(block_expert, ref_blocks)


def _stale_empty(stale: torch.Tensor):
    """torch.empty, except that 1-D int64 buffers come out holding `stale`'s values."""
    empty = torch.empty

    def stale_empty(*size, **kwargs):
        out = empty(*size, **kwargs)
        if out.dim() == 1 and out.dtype == torch.int64 and out.numel() <= stale.numel():
            out.copy_(stale[: out.numel()])
        return out

    return stale_empty


def test_alignment_runs_no_op_that_waits_for_the_device():
    ids = random_routing(64, 4, seed=1)
    with HostSyncRecorder() as recorder:
        align_pairs(ids, E, 16)
    assert recorder.syncs == []


def test_the_prefill_moe_runs_no_op_that_waits_for_the_device():
    gate, _ = int4_experts(E, 64, 32, 32, seed=1)
    up, _ = int4_experts(E, 64, 32, 32, seed=2)
    down, _ = int4_experts(E, 32, 64, 32, seed=3)
    x, logits = torch.randn(24, 64), torch.randn(24, E)
    with HostSyncRecorder() as recorder:
        fused_moe(x, logits, gate, up, down, 4, normalize=True)
    assert recorder.syncs == []
