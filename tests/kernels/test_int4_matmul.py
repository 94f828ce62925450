"""The int4 matmul kernels compute x @ W for W in the published GPTQ layout (float32 on the
CPU interpreter, so agreement is to float32 rounding)."""

from __future__ import annotations

import pytest
import torch

from qwen_tui.engine.kernels import int4_matmul as int4_matmul_module
from qwen_tui.engine.kernels.int4_dequant import dequantize_int4_triton
from qwen_tui.engine.kernels.int4_gemv import int4_gemv_into
from qwen_tui.engine.kernels.int4_matmul import int4_matmul
from tests.kernels.int4_weights import int4_weight, rel_err


@pytest.mark.parametrize("rows", [1, 3, 24])
@pytest.mark.parametrize(
    ("group", "sym", "desc_act"),
    [
        (32, True, False),
        (64, False, False),
        (128, True, False),
        (256, False, False),
        (64, True, True),
    ],
)
def test_int4_matmul_matches_dequantized_weights(rows, group, sym, desc_act):
    packed, w = int4_weight(256, 96, group, sym=sym, desc_act=desc_act)
    x = torch.randn(rows, 256)
    g_idx = packed.g_idx if desc_act else None
    out = int4_matmul(x, packed.qweight, packed.qzeros, packed.scales, g_idx, group)
    assert out.shape == (rows, 96)
    assert rel_err(out, x @ w) < 1e-5


@pytest.mark.parametrize(
    ("k", "n", "group", "sym", "desc_act"),
    [(256, 96, 32, False, False), (192, 160, 64, True, True), (128, 40, 128, False, False)],
)
def test_dequantized_weight_is_the_published_formula(k, n, group, sym, desc_act):
    """Whole-weight dequantization, ragged tiles and act-order groups included, gives W."""
    packed, w = int4_weight(k, n, group, sym=sym, desc_act=desc_act, seed=3)
    g_idx = packed.g_idx if desc_act else None
    out = dequantize_int4_triton(
        packed.qweight, packed.qzeros, packed.scales, g_idx, group, w.dtype
    )
    assert out.shape == (k, n)
    torch.testing.assert_close(out, w, rtol=0, atol=0)


@pytest.mark.parametrize("desc_act", [False, True])
def test_long_prompts_multiply_a_dequantized_weight(monkeypatch, desc_act):
    """From DEQUANT_ROWS rows on, the matmul goes through the whole dequantized W."""
    monkeypatch.setattr(int4_matmul_module, "DEQUANT_ROWS", 16)
    packed, w = int4_weight(256, 96, 64, desc_act=desc_act)
    x = torch.randn(2, 20, 256)
    g_idx = packed.g_idx if desc_act else None
    out = int4_matmul(x, packed.qweight, packed.qzeros, packed.scales, g_idx, 64)
    assert out.shape == (2, 20, 96)
    assert rel_err(out, x @ w) < 1e-5


@pytest.mark.parametrize("group", [32, 128, 512])
def test_gemv_adds_into_a_column_slice_of_a_wider_buffer(group):
    packed, w = int4_weight(512, 64, group, seed=3)
    x = torch.randn(1, 512)
    buffer = torch.zeros(1, 200)
    buffer[:, 100:] = 7.0  # columns outside the slice must stay as they were
    int4_gemv_into(x, packed.qweight, packed.qzeros, packed.scales, group, buffer[:, 20:84])
    assert rel_err(buffer[:, 20:84], x @ w) < 1e-5
    assert torch.all(buffer[:, :20] == 0) and torch.all(buffer[:, 84:100] == 0)
    assert torch.all(buffer[:, 100:] == 7.0)


def test_gemv_accumulates_rather_than_overwrites():
    packed, w = int4_weight(256, 64, 128, seed=4)
    x = torch.randn(1, 256)
    acc = torch.ones(1, 64)
    int4_gemv_into(x, packed.qweight, packed.qzeros, packed.scales, 128, acc)
    assert rel_err(acc, 1 + x @ w) < 1e-5
