"""The GPTQ int4 layout: packing, the published dequantization formula, quantization, and
which quantization configs are accepted."""

from __future__ import annotations

import pytest
import torch

from qwen_tui.engine.base import EngineFailure
from qwen_tui.engine.gptq.format import (
    PackedInt4,
    dequantize,
    pack_cols,
    pack_rows,
    quantize,
    unpack_cols,
    unpack_rows,
)
from qwen_tui.engine.gptq.quant_config import parse_quant_config


def test_pack_unpack_round_trip_with_leading_expert_dim():
    values = torch.randint(0, 16, (3, 64, 24), generator=torch.Generator().manual_seed(0))
    assert torch.equal(unpack_rows(pack_rows(values)), values)
    assert torch.equal(unpack_cols(pack_cols(values)), values)
    assert pack_rows(values).shape == (3, 8, 24) and pack_rows(values).dtype == torch.int32
    assert pack_cols(values).shape == (3, 64, 3)


def test_packing_puts_the_first_row_in_the_lowest_bits():
    values = torch.zeros(8, 1, dtype=torch.int32)
    values[0, 0], values[7, 0] = 0x3, 0xF  # the top nibble set: a negative int32
    packed = pack_rows(values)
    assert packed.item() == 0xF0000003 - 2**32


def test_dequantize_follows_the_published_formula():
    gen = torch.Generator().manual_seed(1)
    k, n, group = 32, 16, 8
    q = torch.randint(0, 16, (k, n), generator=gen)
    stored_zero = torch.randint(0, 15, (k // group, n), generator=gen)
    scales = (torch.rand(k // group, n, generator=gen) + 0.1).half()
    g_idx = torch.randperm(k, generator=gen).to(torch.int32) // group  # a desc_act order
    packed = PackedInt4(pack_rows(q), pack_cols(stored_zero), scales, g_idx)
    weight = dequantize(packed)
    for row in range(k):
        for col in range(n):
            g = int(g_idx[row])
            expected = (int(q[row, col]) - (int(stored_zero[g, col]) + 1)) * float(scales[g, col])
            assert weight[row, col].item() == pytest.approx(expected, abs=1e-6)


@pytest.mark.parametrize("group_size", [32, 64, 128, -1])
@pytest.mark.parametrize("sym", [True, False])
@pytest.mark.parametrize("desc_act", [False, True])
def test_quantize_is_within_half_a_step(group_size, sym, desc_act):
    gen = torch.Generator().manual_seed(2)
    weight = torch.randn(48, 128, generator=gen)  # nn.Linear layout [N, K]
    packed = quantize(weight, group_size, sym=sym, desc_act=desc_act, generator=gen)
    groups = 1 if group_size == -1 else 128 // group_size
    assert packed.qweight.shape == (16, 48) and packed.qzeros.shape == (groups, 6)
    assert packed.scales.shape == (groups, 48) and packed.scales.dtype == torch.float16
    counts = torch.bincount(packed.g_idx.long(), minlength=groups)
    assert counts.tolist() == [128 // groups] * groups
    in_order = torch.equal(packed.g_idx, (torch.arange(128) // (128 // groups)).int())
    assert in_order == (not desc_act or groups == 1)
    if sym:
        assert torch.all(unpack_cols(packed.qzeros) == 7)  # real zero 8, stored minus one
    step = packed.scales.float()[packed.g_idx.long()]  # [K, N]
    error = (dequantize(packed) - weight.t()).abs()
    # Round to nearest: half a step (a hair more where fp16 rounding of the scale clips).
    assert torch.all(error <= step * 0.51)


@pytest.mark.parametrize(
    ("config", "message"),
    [
        ({"quant_method": "gptq", "bits": 8, "group_size": 128}, "8-bit"),
        ({"quant_method": "awq", "bits": 4, "group_size": 128}, "'awq'"),
        ({"quant_method": "gptq", "bits": 4, "checkpoint_format": "gptq_v2"}, "gptq_v2"),
        ({"quant_method": "gptq", "bits": 4, "group_size": 96}, "group_size 96"),
    ],
)
def test_unsupported_quantization_is_refused_by_name(config, message):
    with pytest.raises(EngineFailure, match="unsupported quantization") as info:
        parse_quant_config(config, "/models/x")
    assert message in str(info.value)


def test_published_quantization_config_is_accepted():
    config = parse_quant_config(
        {
            "bits": 4,
            "group_size": 128,
            "desc_act": False,
            "sym": True,
            "quant_method": "gptq",
            "checkpoint_format": "gptq",
        }
    )
    assert (config.group_size, config.sym, config.desc_act) == (128, True, False)
    assert config.group_size_for(768) == 128
    assert parse_quant_config({"bits": 4, "group_size": -1}).group_size_for(768) == 768
