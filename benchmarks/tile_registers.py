"""Registers, spills and shared memory of every prefill tile candidate, compiled for an
H100 (sm_90) on any machine: no GPU needed, only Triton and its bundled ptxas.

    python -m benchmarks.tile_registers [--arch 90]

Prints one JSON object: for each prefill kernel (the dense int4 matmul for short and long
prompts; the MoE's gate/up and down at each tile height), each candidate tile in
kernels/tuning.py with its registers per thread, bytes spilled to local memory, shared
memory, and whether the pruning in tuning.py keeps it. A spilling tile is rarely the
fastest; this is how the candidate lists were chosen.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import re

import triton
from triton.backends.compiler import GPUTarget
from triton.compiler import ASTSource

from qwen_tui.engine.kernels import tuning
from qwen_tui.engine.kernels.grouped_int4 import grouped_int4_kernel
from qwen_tui.engine.kernels.int4_matmul import _int4_matmul_kernel

DENSE_ARGS = {
    **dict.fromkeys(("x_ptr", "out_ptr"), "*bf16"),
    **dict.fromkeys(("qw_ptr", "qz_ptr", "gidx_ptr"), "*i32"),
    "sc_ptr": "*fp16",
    **dict.fromkeys(("M", "N", "K", "group_size", "k_per_split"), "i32"),
}
DENSE_FLAGS = {"HAS_GIDX": False, "USE_DOT": True, "ATOMIC": False, "ORDERED": True}
MOE_ARGS = {
    **dict.fromkeys(("x_ptr", "out_ptr"), "*bf16"),
    **dict.fromkeys(("pair_ids_ptr", "block_expert_ptr"), "*i64"),
    "route_w_ptr": "*fp32",
    **dict.fromkeys(("qw_ptr", "qz_ptr", "qw2_ptr", "qz2_ptr"), "*i32"),
    **dict.fromkeys(("sc_ptr", "sc2_ptr"), "*fp16"),
    **dict.fromkeys(("num_pairs", "N", "K", "group_size", "x_row_div"), "i32"),
    **dict.fromkeys(("stride_qw", "stride_qz", "stride_sc"), "i32"),
}


def ptxas_report(kernel, args: dict, config: triton.Config, flags: dict, arch: int) -> dict:
    constexprs = config.kwargs | flags
    signature = args | dict.fromkeys(constexprs, "constexpr")
    source = ASTSource(fn=kernel, signature=signature, constexprs=constexprs)
    options = {"num_warps": config.num_warps, "num_stages": config.num_stages}
    log = io.StringIO()
    knobs = triton.knobs
    saved = knobs.nvidia.dump_ptxas_log, knobs.compilation.always_compile
    knobs.nvidia.dump_ptxas_log = knobs.compilation.always_compile = True  # a cached
    try:  # kernel would skip ptxas and print nothing
        with contextlib.redirect_stdout(log):
            compiled = triton.compile(source, target=GPUTarget("cuda", arch, 32), options=options)
    finally:
        knobs.nvidia.dump_ptxas_log, knobs.compilation.always_compile = saved
    text = log.getvalue()
    registers = re.search(r"Used (\d+) registers", text)
    spills = re.search(r"(\d+) bytes spill stores", text)
    return {
        "registers": int(registers.group(1)) if registers else None,
        "spill_bytes": int(spills.group(1)) if spills else None,
        "shared_bytes": compiled.metadata.shared,
    }


def report_kernel(kernel, args, configs, flags, call_kwargs, arch) -> list[dict]:
    kept = tuning.fits_group(configs, {"group_size": 128}, **call_kwargs)
    rows = []
    for config in configs:
        tile = config.kwargs | {"BLOCK_M": config.kwargs.get("BLOCK_M", flags.get("BLOCK_M"))}
        row = {"tile": tile, "warps": config.num_warps, "stages": config.num_stages}
        row |= ptxas_report(kernel, args, config, flags, arch)
        rows.append(row | {"kept_by_pruning": config in kept})
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--arch", type=int, default=90, help="compute capability, e.g. 90")
    args = parser.parse_args()
    dense_small = tuning.prefill_configs(with_block_m=64)
    report = {
        "dense_short_prompt": report_kernel(
            _int4_matmul_kernel, DENSE_ARGS, dense_small, DENSE_FLAGS, {}, args.arch
        ),
        "dense_long_prompt": report_kernel(
            _int4_matmul_kernel, DENSE_ARGS, tuning.large_m_configs(), DENSE_FLAGS, {}, args.arch
        ),
    }
    for block_m in (16, 64, 128):
        for gate_up in (True, False):
            flags = {"BLOCK_M": block_m, "GATE_UP": gate_up, "USE_DOT": True}
            flags["MUL_ROUTE"] = not gate_up
            name = f"moe_{'gate_up' if gate_up else 'down'}_rows{block_m}"
            report[name] = report_kernel(
                grouped_int4_kernel,
                MOE_ARGS,
                tuning.prefill_configs(),
                flags,
                {"BLOCK_M": block_m, "GATE_UP": gate_up},
                args.arch,
            )
    print(json.dumps(report, indent=1))


if __name__ == "__main__":
    main()
