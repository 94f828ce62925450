"""The fused norms at prefill sizes: many rows at their own positions, the matmuls' outputs
read in the model's dtype and left as they are, q written head-major for attention."""

from __future__ import annotations

import pytest
import torch

from qwen_tui.engine.kernels.norms import add_rmsnorm
from qwen_tui.engine.kernels.qk_rope import qk_norm_rope_cache
from qwen_tui.engine.runner.ops import apply_rope, rms_norm

HEADS, KV, D, MAX_LEN = 8, 4, 32, 64
START, T = 5, 37  # a second prefill chunk: rows 5..41 of the cache
BF16_NORM = {"atol": 1e-2, "rtol": 2**-6}  # a norm of rows a bf16 step apart


def rotary(dtype):
    angles = torch.randn(MAX_LEN, D // 2, generator=torch.Generator().manual_seed(1))
    angles = angles.repeat(1, 2)
    return angles.cos().to(dtype), angles.sin().to(dtype)


@pytest.mark.parametrize("dtype", [torch.float32, torch.bfloat16])
def test_rows_at_their_positions_match_norm_then_rope(dtype):
    gen = torch.Generator().manual_seed(3)
    qkv = torch.randn(T, (HEADS + 2 * KV) * D, generator=gen).to(dtype)
    before = qkv.clone()
    q_heads = torch.empty(HEADS, T, D, dtype=dtype)
    k_cache, v_cache = torch.zeros(KV, MAX_LEN, D, dtype=dtype), torch.zeros(KV, MAX_LEN, D)
    v_cache = v_cache.to(dtype)
    cos, sin = rotary(dtype)
    q_norm, k_norm = (torch.randn(D, generator=gen).to(dtype) for _ in range(2))
    pos = torch.arange(START, START + T)
    qk_norm_rope_cache(
        qkv,
        q_heads.transpose(0, 1),
        k_cache,
        v_cache,
        pos,
        cos,
        sin,
        q_norm,
        k_norm,
        1e-6,
        clear=False,
    )
    q_ref, k_ref, v_ref = qkv.split([HEADS * D, KV * D, KV * D], dim=1)
    q_ref = apply_rope(rms_norm(q_ref.view(T, HEADS, D), q_norm, 1e-6), cos[pos], sin[pos])
    k_ref = apply_rope(rms_norm(k_ref.view(T, KV, D), k_norm, 1e-6), cos[pos], sin[pos])
    # bf16: rotary rounds once in the kernel, after each product in torch, and the CPU
    # interpreter truncates where a GPU rounds to nearest: a few ulps apart.
    tol = {"atol": 1e-5, "rtol": 0} if dtype == torch.float32 else {"atol": 0.05, "rtol": 0.02}
    torch.testing.assert_close(q_heads, q_ref.transpose(0, 1), **tol)
    torch.testing.assert_close(k_cache[:, pos], k_ref.transpose(0, 1), **tol)
    assert torch.equal(v_cache[:, pos], v_ref.view(T, KV, D).transpose(0, 1))
    outside = torch.cat([k_cache[:, :START], k_cache[:, START + T :], v_cache[:, :START]], 1)
    assert torch.all(outside == 0)
    assert torch.equal(qkv, before)  # the matmul's output is left as it was


def test_add_rmsnorm_adds_a_bf16_output_and_leaves_it_alone():
    gen = torch.Generator().manual_seed(4)
    h, out = (torch.randn(T, 96, generator=gen).bfloat16() for _ in range(2))
    weight = torch.randn(96, generator=gen).bfloat16()
    expected_h = h + out  # bf16 + bf16, rounded once, as the reference path adds
    x = torch.empty_like(h)
    add_rmsnorm(h, out, weight, x, 1e-6, clear=False)
    # Within one bf16 step: the CPU interpreter truncates where a GPU rounds to nearest.
    torch.testing.assert_close(h, expected_h, atol=0, rtol=2**-7)
    torch.testing.assert_close(x, rms_norm(h, weight, 1e-6), **BF16_NORM)
    assert torch.all(out != 0)


def test_add_rmsnorm_without_an_addend_only_norms():
    h, weight = torch.randn(T, 96), torch.randn(96)
    before, x = h.clone(), torch.empty(T, 96)
    add_rmsnorm(h, None, weight, x, 1e-6)
    assert torch.equal(h, before)
    torch.testing.assert_close(x, rms_norm(before, weight, 1e-6), atol=1e-5, rtol=0)


@pytest.mark.parametrize("dtype", [torch.float32, torch.bfloat16])
def test_add_rmsnorm_sums_each_tokens_expert_rows_as_the_moe_sum_would(dtype):
    # A prefill's MoE hands over its top-k weighted expert rows unsummed: the norm adds
    # each token's sum, so the residual is what the summed output would have given.
    gen = torch.Generator().manual_seed(5)
    top_k = 3
    h = torch.randn(T, 96, generator=gen).to(dtype)
    rows = torch.randn(T, top_k, 96, generator=gen).to(dtype)
    weight = torch.randn(96, generator=gen).to(dtype)
    expected_h = h + rows.sum(dim=1)
    summed_h, x = h.clone(), torch.empty_like(h)
    add_rmsnorm(h, rows, weight, x, 1e-6, clear=False)
    add_rmsnorm(summed_h, rows.sum(dim=1), weight, torch.empty_like(h), 1e-6, clear=False)
    # bf16: within two steps where sums cancel (the interpreter truncates, a GPU rounds)
    tol = {"atol": 1e-5, "rtol": 0} if dtype == torch.float32 else {"atol": 2**-4, "rtol": 2**-7}
    torch.testing.assert_close(h, expected_h, **tol)
    torch.testing.assert_close(h, summed_h, **tol)
    norm_tol = tol if dtype == torch.float32 else BF16_NORM
    torch.testing.assert_close(x, rms_norm(h, weight, 1e-6), **norm_tol)
    assert torch.all(rows != 0)
    with pytest.raises(ValueError, match="clear=False"):
        add_rmsnorm(h, rows, weight, x, 1e-6)
