"""Attention over the KV cache and the fused norms of the decode step match torch."""

from __future__ import annotations

import math

import pytest
import torch

from qwen_tui.engine.kernels import decode_attention
from qwen_tui.engine.kernels.decode_attention import DecodeAttention
from qwen_tui.engine.kernels.norms import add_rmsnorm
from qwen_tui.engine.kernels.qk_rope import qk_norm_rope_cache
from qwen_tui.engine.runner.ops import apply_rope, rms_norm

HEADS, KV, D, MAX_LEN = 8, 2, 32, 600


def softmax_attention(q, k, v, length):
    group = q.shape[0] // k.shape[0]
    keys = k[:, :length].repeat_interleave(group, 0)
    values = v[:, :length].repeat_interleave(group, 0)
    scores = (q[:, None, :] @ keys.transpose(1, 2)) / math.sqrt(q.shape[-1])
    return (torch.softmax(scores, -1) @ values)[:, 0]


@pytest.mark.parametrize("chunk", sorted({c for _, c in decode_attention.CHUNK_BUCKETS}))
@pytest.mark.parametrize("length", [1, 63, 65, 300, 600])
def test_decode_attention_matches_softmax_attention(length, chunk):
    attention = DecodeAttention(HEADS, KV, D, MAX_LEN, torch.device("cpu"))
    attention.chunk = chunk
    k, v = torch.randn(KV, MAX_LEN, D), torch.randn(KV, MAX_LEN, D)
    q = torch.randn(HEADS, D)
    out = attention(q, k, v, torch.tensor([length - 1]))  # the position of the last token
    assert torch.allclose(out, softmax_attention(q, k, v, length), atol=1e-5)


@pytest.mark.parametrize("keys", [32, 128])
def test_a_chunk_read_in_steps_of_other_sizes_attends_alike(keys, monkeypatch):
    monkeypatch.setattr(decode_attention, "PARTIAL_KEYS", {512: keys})
    attention = DecodeAttention(HEADS, KV, D, MAX_LEN, torch.device("cpu"))
    attention.chunk = 512
    k, v = torch.randn(KV, MAX_LEN, D), torch.randn(KV, MAX_LEN, D)
    q = torch.randn(HEADS, D)
    out = attention(q, k, v, torch.tensor([599]))  # a chunk and part of the next
    assert torch.allclose(out, softmax_attention(q, k, v, 600), atol=1e-5)


@pytest.mark.parametrize("heads", [6, 12])  # groups of 3 and 6 query heads, not powers of two
def test_each_step_of_a_decode_attends_whatever_the_group(heads):
    """One workspace serves every step, a longer or a shorter one, with any group."""
    attention = DecodeAttention(heads, KV, D, MAX_LEN, torch.device("cpu"))
    k, v = torch.randn(KV, MAX_LEN, D), torch.randn(KV, MAX_LEN, D)
    for length in (130, 131, 64, 600):
        q = torch.randn(heads, D)
        out = attention(q, k, v, torch.tensor([length - 1]))
        assert torch.allclose(out, softmax_attention(q, k, v, length), atol=1e-5)


@pytest.mark.parametrize("pos", [0, 70, 599])
def test_attention_from_the_qkv_sums_equals_norm_rope_then_attention(pos):
    """The fused decode path: q, k, v normed, rotated and cached inside the attention."""
    attention = DecodeAttention(HEADS, KV, D, MAX_LEN, torch.device("cpu"))
    sums = torch.randn(1, (HEADS + 2 * KV) * D)
    angles = torch.randn(MAX_LEN, D // 2).repeat(1, 2)
    cos, sin = angles.cos(), angles.sin()
    q_norm, k_norm = torch.randn(D), torch.randn(D)
    k, v = torch.randn(KV, MAX_LEN, D), torch.randn(KV, MAX_LEN, D)
    k_ref, v_ref, q = k.clone(), v.clone(), torch.empty(1, HEADS, D)
    position = torch.tensor([pos])
    qk_norm_rope_cache(sums.clone(), q, k_ref, v_ref, position, cos, sin, q_norm, k_norm, 1e-6)
    expected = attention(q[0], k_ref, v_ref, position)
    qk = decode_attention.QkSums(sums, cos, sin, q_norm, k_norm, 1e-6)
    out = attention(None, k, v, position, qk)
    assert torch.allclose(out, expected, atol=1e-5)
    assert torch.allclose(k, k_ref, atol=1e-6) and torch.equal(v, v_ref)
    assert torch.all(sums == 0)  # emptied for the next layer's projection


def test_chunk_grows_with_the_context():
    chunks = [decode_attention.chunk_for(n) for n in (100, 3000, 20000, 40000)]
    assert chunks == sorted(chunks) and chunks[0] < chunks[-1]


def test_add_rmsnorm_updates_the_residual_and_empties_the_accumulator():
    h, acc, weight = torch.randn(2, 96), torch.randn(2, 96), torch.randn(96)
    expected_h = h + acc
    x = torch.empty(2, 96)
    add_rmsnorm(h, acc, weight, x, 1e-6)
    assert torch.allclose(h, expected_h)
    assert torch.allclose(x, rms_norm(expected_h, weight, 1e-6), atol=1e-5)
    assert torch.all(acc == 0)


def test_add_rmsnorm_adds_an_earlier_accumulator_first_and_empties_both():
    h = torch.randn(1, 96, dtype=torch.float16)
    earlier, acc, weight = torch.randn(1, 96), torch.randn(1, 96), torch.randn(96)
    # The model's two residual adds, each rounded to its dtype.
    expected_h = (h + earlier.to(h.dtype)) + acc.to(h.dtype)
    x = torch.empty(1, 96, dtype=torch.float16)
    add_rmsnorm(h, acc, weight, x, 1e-6, earlier=earlier)
    assert torch.equal(h, expected_h)
    assert torch.all(acc == 0) and torch.all(earlier == 0)


def test_qk_norm_rope_cache_writes_q_and_the_cache_row_at_the_position():
    width = (HEADS + 2 * KV) * D
    acc = torch.randn(1, width)
    qkv = acc.clone()
    q = torch.empty(1, HEADS, D)
    k_cache, v_cache = torch.zeros(KV, 16, D), torch.zeros(KV, 16, D)
    angles = torch.randn(16, D // 2).repeat(1, 2)
    cos, sin = angles.cos(), angles.sin()
    q_norm, k_norm = torch.randn(D), torch.randn(D)
    pos = torch.tensor([5])
    qk_norm_rope_cache(acc, q, k_cache, v_cache, pos, cos, sin, q_norm, k_norm, 1e-6)
    q_ref, k_ref, v_ref = qkv.split([HEADS * D, KV * D, KV * D], dim=1)
    q_ref = apply_rope(rms_norm(q_ref.view(1, HEADS, D), q_norm, 1e-6), cos[pos], sin[pos])
    k_ref = apply_rope(rms_norm(k_ref.view(1, KV, D), k_norm, 1e-6), cos[pos], sin[pos])
    assert torch.allclose(q, q_ref, atol=1e-5)
    assert torch.allclose(k_cache[:, 5], k_ref[0], atol=1e-5)
    assert torch.allclose(v_cache[:, 5], v_ref.view(KV, D))
    assert torch.all(k_cache[:, :5] == 0) and torch.all(acc == 0)
