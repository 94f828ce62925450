"""A prompt chunk's attention with its start on the device (the short-prefill graphs'
attention) equals causal attention over the cache before the chunk and the chunk's own
past, at any start, with the keys in one split or spread over several."""

from __future__ import annotations

import pytest
import torch

from qwen_tui.engine.kernels.chunk_attention import ChunkTiles, chunk_attention, split_count


def reference(q: torch.Tensor, k_cache: torch.Tensor, v_cache: torch.Tensor, start: int):
    """Row by row, in float64: position start + t sees keys 0..start + t."""
    heads, tokens, head_dim = q.shape
    group = heads // k_cache.shape[0]
    out = torch.empty(tokens, heads, head_dim, dtype=torch.float64)
    for t in range(tokens):
        seen = start + t + 1
        keys = k_cache[:, :seen].double().repeat_interleave(group, dim=0)
        values = v_cache[:, :seen].double().repeat_interleave(group, dim=0)
        scores = torch.einsum("hd,hkd->hk", q[:, t].double(), keys) * head_dim**-0.5
        out[t] = torch.einsum("hk,hkd->hd", torch.softmax(scores, dim=-1), values)
    return out.reshape(tokens, heads * head_dim)


def inputs(heads: int, kv_heads: int, tokens: int, max_len: int, seed: int):
    gen = torch.Generator().manual_seed(seed)
    q = torch.randn(heads, tokens, 16, generator=gen)
    k_cache = torch.randn(kv_heads, max_len, 16, generator=gen)
    v_cache = torch.randn(kv_heads, max_len, 16, generator=gen)
    return q, k_cache, v_cache


@pytest.mark.parametrize(
    ("start", "tokens", "splits"),
    [(0, 12, 1), (0, 12, 3), (37, 9, 1), (37, 9, 4), (150, 20, 5), (5, 70, 2)],
)
def test_chunk_attention_equals_causal_attention_from_its_start(start, tokens, splits):
    q, k_cache, v_cache = inputs(8, 2, tokens, 256, seed=start + tokens)
    out = chunk_attention(q, k_cache, v_cache, torch.tensor([start]), splits=splits)
    torch.testing.assert_close(
        out.double(), reference(q, k_cache, v_cache, start), atol=1e-5, rtol=0
    )


def test_the_start_is_read_from_the_device_tensor_not_fixed_at_the_first_call():
    q, k_cache, v_cache = inputs(4, 4, 6, 128, seed=1)  # one query head per KV head
    start = torch.tensor([0])
    first = chunk_attention(q, k_cache, v_cache, start, splits=2)
    start.fill_(90)  # as a graph's input buffer is refilled before a replay
    later = chunk_attention(q, k_cache, v_cache, start, splits=2)
    torch.testing.assert_close(
        later.double(), reference(q, k_cache, v_cache, 90), atol=1e-5, rtol=0
    )
    assert not torch.allclose(first, later)


def test_rows_past_the_chunk_in_the_cache_are_never_read():
    q, k_cache, v_cache = inputs(8, 2, 10, 128, seed=2)
    clean = chunk_attention(q, k_cache, v_cache, torch.tensor([30]), splits=3)
    k_cache[:, 40:] = float("nan")  # rows a later token (or a padded graph) would write
    v_cache[:, 40:] = float("nan")
    dirty = chunk_attention(q, k_cache, v_cache, torch.tensor([30]), splits=3)
    torch.testing.assert_close(dirty, clean, atol=0, rtol=0)


def test_a_short_chunk_splits_its_keys_to_fill_the_gpu_and_a_long_one_does_not():
    assert split_count(kv_heads=4, tiles=1) > 16  # 8 tokens of 32 heads: one tile a KV head
    assert split_count(kv_heads=4, tiles=128) == 1  # 1,024 tokens: enough tiles already


@pytest.mark.parametrize(
    "tiles",
    [
        ChunkTiles(block_m=32, block_s=32, heavy_first=True),
        ChunkTiles(block_m=128, block_s=64, warps=8, stages=3, heavy_first=True),
    ],
)
def test_other_tiles_and_the_heaviest_rows_first_give_the_same_attention(tiles):
    q, k_cache, v_cache = inputs(8, 2, 40, 256, seed=3)  # 160 rows: several tiles of 32
    out = chunk_attention(q, k_cache, v_cache, torch.tensor([50]), splits=1, tiles=tiles)
    torch.testing.assert_close(out.double(), reference(q, k_cache, v_cache, 50), atol=1e-5, rtol=0)
