"""Which int4 GEMV tiling streams fastest? Times variants of one kernel on the decode shapes.

    python -m benchmarks.gemv_variants

Prints GB/s (packed weights + scales + zeros read) for each variant and shape; the winner is
what `qwen_tui/engine/kernels/int4_gemv.py` uses.
"""

from __future__ import annotations

import functools
import itertools

import torch
import triton
import triton.language as tl
from triton.testing import do_bench

from qwen_tui.engine.kernels.gptq_tiles import group_scale_zero, unpacked_rows
from qwen_tui.engine.kernels.int4_gemv import k_splits


@triton.jit
def _variant_kernel(
    x_ptr,
    qw_ptr,
    qz_ptr,
    sc_ptr,
    out_ptr,
    N,
    K,
    group_size,
    k_per_split,
    BLOCK_N: tl.constexpr,
    BLOCK_K: tl.constexpr,
    DEFER: tl.constexpr,
):
    offs_n = tl.program_id(0) * BLOCK_N + tl.arange(0, BLOCK_N)
    mask_n = offs_n < N
    k_lo = tl.program_id(1) * k_per_split
    k_hi = tl.minimum(k_lo + k_per_split, K)
    offs_j = tl.arange(0, 8)
    acc3 = tl.zeros((BLOCK_K // 8, 8, BLOCK_N), dtype=tl.float32)
    acc = tl.zeros((BLOCK_N,), dtype=tl.float32)
    for k0 in range(k_lo, k_hi, BLOCK_K):
        offs_k8 = k0 // 8 + tl.arange(0, BLOCK_K // 8)
        q = unpacked_rows(qw_ptr, offs_k8, offs_n, mask_n, N).to(tl.float32)
        scale, zero = group_scale_zero(qz_ptr, sc_ptr, k0 // group_size, offs_n, mask_n, N)
        x = tl.load(x_ptr + offs_k8[:, None] * 8 + offs_j[None, :]).to(tl.float32)
        if DEFER:
            acc3 += (q - zero[None, None, :]) * (x[:, :, None] * scale[None, None, :])
        else:
            qx = tl.sum(tl.sum(q * x[:, :, None], axis=1), axis=0)
            acc += (qx - tl.sum(tl.sum(x, axis=1), axis=0) * zero) * scale
    if DEFER:
        acc = tl.sum(tl.sum(acc3, axis=1), axis=0)
    tl.atomic_add(out_ptr + offs_n, acc, mask=mask_n)


def run(x, qw, qz, sc, out, group, block_n, block_k, defer, warps, target):
    K, N = qw.shape[0] * 8, qw.shape[1]
    n_blocks = triton.cdiv(N, block_n)
    splits, per = k_splits(K, block_k, n_blocks, target)
    _variant_kernel[(n_blocks, splits)](
        x,
        qw,
        qz,
        sc,
        out,
        N,
        K,
        group,
        per,
        BLOCK_N=block_n,
        BLOCK_K=block_k,
        DEFER=defer,
        num_warps=warps,
    )


def main() -> None:
    shapes = {
        "qkv": (2048, 5120),
        "o": (4096, 2048),
        "expert_gu": (2048, 768),
        "8x_gate_up": (2048, 12288),
        "8x_down": (768, 16384),
    }
    rows = []
    for name, (K, N) in shapes.items():
        qw = torch.randint(-(2**31), 2**31 - 1, (K // 8, N), dtype=torch.int32, device="cuda")
        qz = torch.randint(
            -(2**31), 2**31 - 1, (K // 128, N // 8), dtype=torch.int32, device="cuda"
        )
        sc = torch.rand(K // 128, N, device="cuda").half()
        x = torch.randn(1, K, device="cuda", dtype=torch.bfloat16)
        out = torch.zeros(1, N, device="cuda")
        nbytes = qw.numel() * 4 + qz.numel() * 4 + sc.numel() * 2
        best = None
        for block_n, defer, warps, target in itertools.product(
            (32, 64, 128), (True, False), (2, 4, 8), (264, 528, 1056)
        ):
            try:
                call = functools.partial(
                    run, x, qw, qz, sc, out, 128, block_n, 128, defer, warps, target
                )
                ms = do_bench(call, warmup=5, rep=20, return_mode="median")
            except Exception as exc:  # noqa: BLE001 - a variant that does not compile
                print(name, block_n, defer, warps, target, "failed", type(exc).__name__)
                continue
            gbs = nbytes / ms / 1e6
            rows.append((name, block_n, defer, warps, target, round(ms * 1000, 1), round(gbs)))
            if best is None or gbs > best[-1]:
                best = rows[-1]
        print("BEST", best, flush=True)
    for row in sorted(rows, key=lambda r: (r[0], -r[-1]))[:200]:
        print(row)


if __name__ == "__main__":
    main()
