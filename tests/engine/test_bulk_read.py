"""Reading a checkpoint in blocks gives every tensor exactly as safetensors stores it."""

from __future__ import annotations

import pytest
import torch
from safetensors.torch import load_file, save_file

from qwen_tui.engine.base import EngineFailure
from qwen_tui.engine.gptq import bulk_read
from qwen_tui.engine.gptq.shards import Shards


@pytest.fixture
def small_pieces(monkeypatch):
    """Blocks and pieces of a few hundred bytes, so a tiny file spans many of each and a
    tensor crosses piece boundaries; two buffers, so each is reused."""
    monkeypatch.setattr(bulk_read, "BLOCK_BYTES", 700)
    monkeypatch.setattr(bulk_read, "PIECE_BYTES", 96)
    monkeypatch.setattr(bulk_read, "BUFFERS", 2)


def mixed_tensors() -> dict[str, torch.Tensor]:
    generator = torch.Generator().manual_seed(3)
    return {
        "a.qweight": torch.randint(-(2**31), 2**31 - 1, (16, 24), dtype=torch.int32),
        "a.scales": torch.randn(3, 24, generator=generator).half(),
        "odd.bias": torch.randn(7, generator=generator).to(torch.bfloat16),  # 14 bytes
        "b.weight": torch.randn(40, 33, generator=generator),  # larger than a block
        "b.g_idx": torch.arange(129, dtype=torch.int32),
        "flag": torch.tensor([True, False, True]),
    }


def test_every_tensor_reads_back_bit_for_bit(tmp_path, small_pieces):
    tensors = mixed_tensors()
    save_file(dict(list(tensors.items())[:3]), tmp_path / "model-00001-of-00002.safetensors")
    save_file(dict(list(tensors.items())[3:]), tmp_path / "model-00002-of-00002.safetensors")
    shards = Shards(tmp_path)
    wanted = [name for name in tensors if name != "b.g_idx"]  # one left out, mid-file
    read = {name: value.clone() for name, value in shards.read(wanted, torch.device("cpu"))}
    assert sorted(read) == sorted(wanted)
    for name in wanted:
        assert read[name].dtype == tensors[name].dtype and torch.equal(read[name], tensors[name])


def test_block_plan_keeps_file_order_and_the_size_limit(tmp_path, small_pieces):
    file = tmp_path / "model.safetensors"
    save_file(mixed_tensors(), file)
    stored = bulk_read.stored_tensors(file)
    blocks = bulk_read.plan_blocks(file, stored.values())
    assert [t for block in blocks for t in block.tensors] == sorted(
        stored.values(), key=lambda t: t.begin
    )
    for block in blocks:
        assert len(block.tensors) == 1 or block.end - block.begin <= bulk_read.BLOCK_BYTES
    assert load_file(file).keys() == stored.keys()


def test_a_file_cut_short_during_the_load_is_one_line_asking_for_a_new_download(
    tmp_path, small_pieces
):
    file = tmp_path / "model.safetensors"
    save_file(mixed_tensors(), file)
    shards = Shards(tmp_path)  # the header was fine when the load began
    with file.open("r+b") as handle:
        handle.truncate(file.stat().st_size - 100)
    with pytest.raises(EngineFailure) as caught:
        for _ in shards.read(list(shards.tensors), torch.device("cpu")):
            pass
    assert str(caught.value) == "model.safetensors is truncated; download it again"


def test_a_benchmark_checkpoint_samples_only_ids_that_have_text(tmp_path):
    # Benchmarks time what a client receives: a reply of ids without text streams nothing.
    from qwen_tui.engine.synthetic.checkpoint import tiny_config, write_checkpoint
    from qwen_tui.engine.synthetic.tokenizer import build_tokenizer
    from qwen_tui.engine.synthetic.weights import QuantSpec

    config = tiny_config(vocab_size=1024)
    write_checkpoint(tmp_path, config, QuantSpec(group_size=32), text_only_lm_head=True)
    head = load_file(tmp_path / "model.safetensors")["lm_head.weight"].float()
    text_ids = build_tokenizer().get_vocab_size(with_added_tokens=False)
    assert head[:text_ids].abs().sum(dim=1).min() > 0
    assert head[text_ids:].abs().sum() == 0
