"""The engine's Triton kernels compile for the GPUs it supports and fit them, checked on a
machine with no GPU: the interpreter the other kernel tests use runs code a GPU compiler
would refuse, and knows nothing of registers or shared memory."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import triton
from triton.runtime.jit import JITFunction

from benchmarks.launch_compiler import LaunchCompiler
from qwen_tui.engine.runner.generate import WARM_UP_PROMPTS

ROOT = Path(__file__).resolve().parents[2]
PLAIN = (  # the fusions and the overlapped launches off, as before they were measured
    "qwen_tui.engine.kernels.decode_attention.FUSE_QK=False",
    "qwen_tui.engine.runner.sampler.FUSED=False",
    "qwen_tui.engine.kernels.moe_route.FUSE_NORM=False",
    "qwen_tui.engine.kernels.launch_overlap.PDL=False",
)
CANDIDATES = (  # not yet defaults
    "qwen_tui.engine.kernels.moe_route.PREFETCH_NEXT=True",
    "qwen_tui.engine.kernels.residual_input.NORM_INPUT=True",
    "qwen_tui.engine.kernels.merged_o_gemv.FOLD_MERGE=True",
)
DECODE_KERNELS = {
    "int4_gemv._gemv_kernel",
    "moe_route._router_route_kernel",
    "moe_decode._gate_up_kernel",
    "moe_decode._down_kernel",
    "decode_attention_kernels._partial_kernel",
    "decode_attention_kernels._merge_kernel",
}
PREFILL_KERNELS = {
    "int4_matmul._int4_matmul_kernel",
    "int4_dequant._dequantize_kernel",
    "grouped_int4.grouped_int4_kernel",
    "moe_align._place_kernel",
    "qk_rope._qk_norm_rope_cache_kernel",
    "norms._add_rmsnorm_kernel",
    "chunk_attention_kernels._chunk_partial_kernel",
    "chunk_attention_kernels._chunk_merge_kernel",
}


def run_module(module: str, *args: str) -> subprocess.CompletedProcess:
    """`python -m module args` compiling for the GPU: without the interpreter, and in a
    process of its own, since the interpreter leaves `triton.language` patched."""
    env = {k: v for k, v in os.environ.items() if k != "TRITON_INTERPRET"}
    command = [sys.executable, "-m", module, *args]
    done = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True)
    assert done.stdout, done.stderr[-3000:]
    return done


def compile_engine(
    arch: int, *settings: str, prompts: tuple[int, ...] = (), layers: int = 1
) -> dict:
    options = [arg for setting in settings for arg in ("--set", setting)]
    options += ["--layers", str(layers)]
    if prompts:
        options += ["--prompts", *map(str, prompts)]
    done = run_module("benchmarks.gpu_compile", "--arch", str(arch), *options)
    return json.loads(done.stdout) | {"exit": done.returncode}


@pytest.mark.parametrize(
    ("arch", "settings"),
    [(90, ()), (89, ()), (90, PLAIN), (90, CANDIDATES)],
    ids=["h100-defaults", "rtx4090-defaults", "h100-plain-launches", "h100-candidates"],
)
def test_every_kernel_of_a_prefill_and_decode_compiles_and_fits_without_spills(arch, settings):
    # After the warm-up's prompts, prompts of lengths it never saw (odd, even, past a
    # chunk): none may need a binary of its own, which would compile in the reply's path.
    # Two layers for the candidates: a layer's router asks for the next one's weights.
    layers = 2 if settings == CANDIDATES else 1
    report = compile_engine(arch, *settings, prompts=(18, 1001, 3101, 4100), layers=layers)
    kernels = report["kernels"]
    needed_by = {k["needed_by"] for k in kernels}
    assert {f"prefill {n}" for n in WARM_UP_PROMPTS} <= needed_by
    assert "prefill graph 32" in needed_by  # the graphs' attention compiles in the warm-up
    assert [k for k in kernels if k["needed_by"].startswith("prompt")] == []
    assert [k for k in kernels if "error" in k] == [] and report["exit"] == 0
    assert DECODE_KERNELS | PREFILL_KERNELS <= {k["kernel"] for k in kernels}
    assert all(k["registers"] and k["spill_bytes"] is not None for k in kernels)  # ptxas said
    assert [k for k in kernels if k["spill_bytes"]] == []  # spills would slow every token
    partial = [k for k in kernels if k["kernel"] == "decode_attention_kernels._partial_kernel"]
    assert {k["constexprs"]["CHUNK_SIZE"] for k in partial} == {64, 256, 512}
    fused = settings != PLAIN
    assert all(k["constexprs"]["QK_FROM_SUMS"] == fused for k in partial)
    drawn_in_one_launch = any(k["kernel"] == "top_k_draw._top_k_draw_kernel" for k in kernels)
    assert drawn_in_one_launch == fused
    routers = [k for k in kernels if k["kernel"] == "moe_route._router_route_kernel"]
    assert any(k["constexprs"]["PREFETCH"] for k in routers) == (settings == CANDIDATES)
    gemvs = [k for k in kernels if k["kernel"] == "int4_gemv._gemv_kernel"]
    assert any(k["constexprs"]["NORM_INPUT"] for k in gemvs) == (settings == CANDIDATES)
    folded = any(k["kernel"] == "merged_o_gemv._merged_o_kernel" for k in kernels)
    assert folded == (settings == CANDIDATES)
    decode = [k for k in kernels if k["kernel"] in DECODE_KERNELS]
    overlapped = fused and arch >= 90  # PDL needs sm_90
    assert {k["constexprs"]["PDL"] for k in decode} == {overlapped}


@pytest.mark.parametrize(("arch", "fits"), [(90, True), (86, False)])
def test_a_tile_too_big_for_the_gpus_shared_memory_is_reported(arch, fits):
    row = json.loads(run_module("tests.kernels.oversized_tile", str(arch)).stdout)
    assert "shared_bytes" in row, row  # it compiled
    assert row["shared_bytes"] > 101_376  # more than an RTX 3090 has, less than an H100
    assert ("error" not in row) == fits and row["failures"] == (0 if fits else 1)
    assert fits or "shared memory" in row["error"]


def test_launches_run_again_once_the_compiler_is_removed(tmp_path):
    before = (JITFunction.run, triton.knobs.cache.dir)
    with LaunchCompiler(90).installed(str(tmp_path)):
        assert JITFunction.run is not before[0]
    assert (JITFunction.run, triton.knobs.cache.dir) == before
