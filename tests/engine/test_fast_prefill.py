"""The fused prefill computes what the reference prefill computes: the same logits and the
same KV cache rows, for a first chunk and for a chunk that continues at a later position.

Both run the same int4 matmul and MoE kernels (in Triton's interpreter, float32); only the
fusion of norms, rotary, cache writes and residual sums differs.
"""

from __future__ import annotations

import pytest
import torch

from qwen_tui.engine.runner.decoder import Decoder
from qwen_tui.engine.runner.extract import weights_from_model
from tests.kernels.host_syncs import HostSyncRecorder
from tests.kernels.launches import LaunchCounter

FUSED = ["moe_sym_g32", "dense_asym_g128"]
MAX_LEN = 64


def prefill_two_chunks(decoder: Decoder, ids: torch.Tensor, split: int):
    decoder.k_cache.zero_()
    decoder.v_cache.zero_()
    first = decoder.prefill(ids[:split], 0)
    second = decoder.prefill(ids[split:], split)
    return first, second, decoder.k_cache.clone(), decoder.v_cache.clone()


@pytest.mark.parametrize("name", FUSED)
def test_fused_prefill_gives_the_reference_logits_and_cache_rows(name, loaded):
    decoder = Decoder(weights_from_model(loaded(name).model), MAX_LEN, use_triton=True)
    assert decoder.fast_prefill is not None
    ids = torch.randint(0, 400, (21,), generator=torch.Generator().manual_seed(5))
    with torch.inference_mode():
        fused = prefill_two_chunks(decoder, ids, split=13)
        decoder.fast_prefill = None  # the same kernels, without the fusion
        reference = prefill_two_chunks(decoder, ids, split=13)
    for got, expected in zip(fused, reference, strict=True):
        torch.testing.assert_close(got, expected, atol=2e-5, rtol=0)
    assert fused[0].std() > 0.05  # real logits, not zeros
    k_cache = fused[2]
    assert torch.all(k_cache[:, :, : len(ids)].abs().sum(dim=-1) > 0)  # every row written
    assert torch.all(k_cache[:, :, len(ids) :] == 0)  # and nothing past the prompt


def test_on_hopper_the_eager_prefill_attends_on_the_chunk_kernel_to_the_same_logits(
    loaded, monkeypatch
):
    from qwen_tui.engine.runner import fast_prefill

    decoder = Decoder(weights_from_model(loaded("moe_sym_g32").model), MAX_LEN, use_triton=True)
    prefill = decoder.fast_prefill
    assert prefill is not None and not prefill.eager_attention_on_chunk_kernel()  # a CPU
    ids = torch.randint(0, 400, (45,), generator=torch.Generator().manual_seed(6))
    with torch.inference_mode():
        on_flash = prefill_two_chunks(decoder, ids, split=29)
        monkeypatch.setattr(fast_prefill, "device_capability", lambda _device: (9, 0))
        decoder = Decoder(weights_from_model(loaded("moe_sym_g32").model), MAX_LEN, True)
        prefill = decoder.fast_prefill  # now as on an H100 or H200
        assert prefill is not None
        monkeypatch.setattr(prefill, "_half", True)  # the tiny model is float32
        calls = []
        kernel = fast_prefill.chunk_attention
        monkeypatch.setattr(
            fast_prefill, "chunk_attention", lambda *a, **k: calls.append(k) or kernel(*a, **k)
        )
        on_chunk_kernel = prefill_two_chunks(decoder, ids, split=29)
    assert [call["tiles"] for call in calls] == [fast_prefill.LONG_CHUNK_TILES] * 2 * len(
        decoder.w.layers
    )
    for got, expected in zip(on_chunk_kernel, on_flash, strict=True):
        torch.testing.assert_close(got, expected, atol=2e-5, rtol=0)
    monkeypatch.setattr(fast_prefill, "CHUNK_KERNEL_FROM", None)
    assert not prefill.eager_attention_on_chunk_kernel()


def test_a_moe_layer_of_the_fused_prefill_queues_thirteen_launches(loaded):
    # The host's time to queue an eager chunk (a prompt past the graphs' 512 tokens) grows
    # with its launches: two norms, q|k|v, q/k norm and rotary, attention, o, the router,
    # its top-k, three to align the pairs, gate|up and down; the experts' sum is the next
    # norm's. Were it the 18 of before, a 48-layer chunk would queue 240 launches more.
    weights = weights_from_model(loaded("moe_sym_g32").model)
    decoder = Decoder(weights, MAX_LEN, use_triton=True)
    prefill = decoder.fast_prefill
    assert prefill is not None
    ids = torch.randint(0, 400, (21,), generator=torch.Generator().manual_seed(7))
    with torch.inference_mode(), LaunchCounter() as launches:
        prefill(ids, 0)
    # beside the layers: the embedding's gather, the positions, the first norm, the lm_head
    # (the last layer's closing norm is the final norm, of the last row)
    assert launches.total == 4 + 13 * len(weights.layers), launches.counts


def test_fused_prefill_runs_no_op_that_waits_for_the_device(loaded):
    decoder = Decoder(weights_from_model(loaded("moe_sym_g32").model), MAX_LEN, use_triton=True)
    ids = torch.arange(30, 50)
    with torch.inference_mode(), HostSyncRecorder() as recorder:
        decoder.prefill(ids[:12], 0)
        decoder.prefill(ids[12:], 12)
    assert recorder.syncs == []


@pytest.mark.parametrize("name", ["moe_asym_desc_g64_qrouter", "moe_plain", "dense_plain_tied"])
def test_weights_the_fused_kernels_cannot_take_prefill_on_the_reference_path(name, loaded):
    decoder = Decoder(weights_from_model(loaded(name).model), MAX_LEN, use_triton=True)
    assert decoder.fast_prefill is None


def test_attention_with_kv_heads_shared_equals_attention_on_repeated_heads(monkeypatch):
    from qwen_tui.engine.runner import ops

    start, end = 0, 9  # a prompt from position 0: the case that shares the heads
    gen = torch.Generator().manual_seed(2)
    q = torch.randn(end - start, 8, 16, generator=gen)
    k_cache, v_cache = torch.randn(2, 32, 16, generator=gen), torch.randn(2, 32, 16, generator=gen)
    monkeypatch.setattr(ops, "SDPA_GQA", False)
    repeated = ops.causal_attention(q, k_cache, v_cache, start, end)
    monkeypatch.setattr(ops, "SDPA_GQA", True)
    shared = ops.causal_attention(q, k_cache, v_cache, start, end)
    torch.testing.assert_close(shared, repeated, atol=1e-6, rtol=0)
    assert not torch.allclose(repeated[0], repeated[-1])  # rows see different keys


def test_a_later_chunk_attends_to_the_cache_before_it_and_to_its_own_past_only():
    from qwen_tui.engine.runner import ops

    start, end = 5, 12  # the second chunk of a prompt: positions 5..11 over the cache
    gen = torch.Generator().manual_seed(3)
    q = torch.randn(end - start, 8, 16, generator=gen)
    k_cache, v_cache = torch.randn(2, 32, 16, generator=gen), torch.randn(2, 32, 16, generator=gen)
    out = ops.causal_attention(q, k_cache, v_cache, start, end).view(end - start, 8, 16)
    for row in range(end - start):
        seen = start + row + 1  # the keys of positions 0..start+row
        keys = k_cache[:, :seen].repeat_interleave(4, dim=0)  # 8 query heads, 2 KV heads
        values = v_cache[:, :seen].repeat_interleave(4, dim=0)
        weights = torch.softmax(torch.einsum("hd,hkd->hk", q[row], keys) / 4.0, dim=-1)
        expected = torch.einsum("hk,hkd->hd", weights, values)
        torch.testing.assert_close(out[row], expected, atol=1e-5, rtol=1e-5)
