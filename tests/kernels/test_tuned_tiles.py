"""On a GPU whose prefill winners are known, a first start compiles one tile per shape
instead of tuning every candidate; anywhere else the autotuner tunes as before."""

from __future__ import annotations

import pytest
import triton

from qwen_tui.engine.kernels import tuned_tiles, tuning

KEYS = {
    "int4_matmul": ("N", "K"),
    "grouped_int4": ("N", "K", "BLOCK_M", "GATE_UP"),
}


def candidates(kernel: str, block_m: int | None = None) -> list[triton.Config]:
    """The autotuner's candidates as a GPU run builds them (the interpreter keeps one)."""
    fixed = {"BLOCK_M": 64} if kernel == "int4_matmul" else {}
    return [
        triton.Config({"BLOCK_N": n, "BLOCK_K": k, **fixed}, num_warps=w, num_stages=s)
        for n, k, w, s in tuning.PREFILL_TILES
    ]


def arguments(kernel: str, key: tuple) -> tuple[dict, dict]:
    """(named_args, constexpr kwargs) of a launch of `kernel` at `key`, group size 128."""
    values = dict(zip(KEYS[kernel], key, strict=True))
    constexprs = {name: values.pop(name) for name in ("BLOCK_M", "GATE_UP") if name in values}
    return {**values, "group_size": 128}, constexprs


@pytest.mark.parametrize(
    ("kernel", "key"),
    [(kernel, key) for kernel, table in tuned_tiles.TUNED["NVIDIA H200"].items() for key in table],
)
def test_on_a_known_gpu_each_shape_gets_its_measured_winner_alone(monkeypatch, kernel, key):
    monkeypatch.setattr(tuned_tiles, "device_name", lambda: "NVIDIA H200")
    prune = tuned_tiles.tuned_or_fitting(kernel, KEYS[kernel])
    named_args, constexprs = arguments(kernel, key)
    kept = prune(candidates(kernel), named_args, **constexprs)
    # One config: Triton then runs it without timing. The winner must still be a candidate
    # that fits, or the table would silently stop applying.
    assert [tuned_tiles.tile_of(c) for c in kept] == [tuned_tiles.TUNED["NVIDIA H200"][kernel][key]]


def test_another_gpu_or_shape_tunes_every_fitting_candidate(monkeypatch):
    prune = tuned_tiles.tuned_or_fitting("grouped_int4", KEYS["grouped_int4"])
    named_args, constexprs = arguments("grouped_int4", (768, 2048, 64, True))
    fitting = tuning.fits_group(candidates("grouped_int4"), named_args, **constexprs)
    assert len(fitting) > 1
    monkeypatch.setattr(tuned_tiles, "device_name", lambda: "NVIDIA H100 80GB HBM3")
    assert prune(candidates("grouped_int4"), named_args, **constexprs) == fitting
    monkeypatch.setattr(tuned_tiles, "device_name", lambda: "NVIDIA H200")
    other_shape, constexprs = arguments("grouped_int4", (1536, 4096, 64, True))
    assert prune(candidates("grouped_int4"), other_shape, **constexprs) == fitting
