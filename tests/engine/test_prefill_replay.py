"""A short prompt chunk as the short-prefill graph runs it (padded to its bucket, its start
and last row on the device) gives the fused prefill's logits and cache rows, for a first
prompt and for a later turn after cached rows; chunks no graph takes prefill as before.

On the CPU the graph's body runs eagerly (`use_graph=False`), in Triton's interpreter:
the same kernels and the same padding a captured graph replays on the GPU.
"""

from __future__ import annotations

import pytest
import torch

from qwen_tui.engine.runner import prefill_replay
from qwen_tui.engine.runner.decoder import Decoder
from qwen_tui.engine.runner.extract import weights_from_model
from qwen_tui.engine.runner.prefill_replay import PrefillReplay
from tests.kernels.host_syncs import HostSyncRecorder

MAX_LEN = 64
BUCKETS = (8, 16)


def decoder_with_replay(loaded, name: str = "moe_sym_g32") -> Decoder:
    decoder = Decoder(weights_from_model(loaded(name).model), MAX_LEN, use_triton=True)
    assert decoder.fast_prefill is not None
    decoder.prefill_replay = PrefillReplay(decoder.fast_prefill, MAX_LEN, False, BUCKETS)
    return decoder


def two_turns(decoder: Decoder, ids: torch.Tensor, split: int):
    """A first prompt, then a later turn's chunk after its cached rows."""
    decoder.k_cache.zero_()
    decoder.v_cache.zero_()
    with torch.inference_mode():
        first = decoder.prefill(ids[:split], 0)
        later = decoder.prefill(ids[split:], split)
    rows = len(ids)
    return first, later, decoder.k_cache[:, :, :rows].clone(), decoder.v_cache[:, :, :rows].clone()


@pytest.mark.parametrize("name", ["moe_sym_g32", "dense_asym_g128"])
def test_the_graphed_chunk_gives_the_fused_prefills_logits_and_cache_rows(name, loaded):
    decoder = decoder_with_replay(loaded, name)
    ids = torch.randint(0, 400, (19,), generator=torch.Generator().manual_seed(7))
    graphed = two_turns(decoder, ids, split=6)  # 6 rows in the 8 bucket, 13 in the 16
    replay, decoder.prefill_replay = decoder.prefill_replay, None
    eager = two_turns(decoder, ids, split=6)
    for got, expected in zip(graphed, eager, strict=True):
        torch.testing.assert_close(got, expected, atol=3e-5, rtol=0)
    assert graphed[1].std() > 0.05  # real logits, not zeros
    assert replay.ids[12] == ids[18]  # the later turn went through the graph's buffers


def test_padding_rows_do_not_change_the_chunks_logits(loaded):
    decoder = decoder_with_replay(loaded)
    replay = decoder.prefill_replay
    assert replay is not None
    ids = torch.tensor([11, 12, 13, 14, 15])
    with torch.inference_mode():
        replay.ids.fill_(3)
        clean = decoder.prefill(ids, 0)
        replay.ids.fill_(397)  # other leftovers in the 3 padding rows of the 8 bucket
        dirty = decoder.prefill(ids, 0)
    torch.testing.assert_close(dirty, clean, atol=1e-6, rtol=0)


def test_a_chunk_takes_the_smallest_bucket_whose_padding_and_attention_fit(loaded, monkeypatch):
    replay = decoder_with_replay(loaded).prefill_replay
    assert replay is not None
    assert replay.bucket_for(5, 0) == 8
    assert replay.bucket_for(9, 20) == 16
    assert replay.bucket_for(17, 0) is None  # longer than every bucket: the eager prefill
    assert replay.bucket_for(5, MAX_LEN - 10) == 8
    assert replay.bucket_for(5, MAX_LEN - 7) is None  # its padding would pass the cache end
    monkeypatch.setattr(prefill_replay, "GRAPH_MAX_ATTENDED", 16 * 40)
    assert replay.bucket_for(9, 24) == 16  # 16 rows over 40 keys: at the cap
    assert replay.bucket_for(9, 25) is None  # a long context's attention: the eager prefill
    with pytest.raises(ValueError, match="no prefill graph takes 17 tokens"):
        replay(torch.arange(17), 0)


def test_a_chunk_no_bucket_takes_prefills_as_before(loaded):
    decoder = decoder_with_replay(loaded)
    ids = torch.randint(0, 400, (30,), generator=torch.Generator().manual_seed(8))
    with torch.inference_mode():
        graphs_on = decoder.prefill(ids, 0)
        decoder.prefill_replay = None
        graphs_off = decoder.prefill(ids, 0)
    torch.testing.assert_close(graphs_on, graphs_off, atol=0, rtol=0)


def test_the_graphed_chunk_runs_no_op_that_waits_for_the_device(loaded):
    decoder = decoder_with_replay(loaded)
    ids = torch.arange(30, 43)
    with torch.inference_mode(), HostSyncRecorder() as recorder:
        decoder.prefill(ids[:7], 0)
        decoder.prefill(ids[7:], 7)
    assert recorder.syncs == []


def test_capturing_every_bucket_after_a_longer_later_chunk_stays_inside_each_bucket(
    loaded, monkeypatch
):
    # The warm-up captures the graphs after its prompts ran: the buffers then hold a
    # 13-row chunk's last row and a start near the cache's end. A bucket of 8 rows run
    # from them would select row 12 of 8 (a device assert on the GPU) and write past the
    # cache. Here the capture runs the graph's body eagerly, as on the GPU before capturing.
    decoder = decoder_with_replay(loaded)
    replay = decoder.prefill_replay
    assert replay is not None
    with torch.inference_mode():
        decoder.prefill(torch.arange(13), MAX_LEN - 16)
    ran: dict[int, torch.Tensor] = {}
    monkeypatch.setattr(
        replay, "capture", lambda bucket: ran.setdefault(bucket, replay._run(bucket))
    )
    with torch.inference_mode():
        replay.capture_all()
    assert sorted(ran) == list(BUCKETS)
    assert all(bool(logits.isfinite().all()) for logits in ran.values())
