"""A kernel whose tile needs about 160 KB of shared memory: it fits an H100 (227 KB), not
an RTX 3090 (99 KB). `python -m tests.kernels.oversized_tile ARCH` prints what
`LaunchCompiler` reports for it. It runs in a process of its own, since Triton's
interpreter, which the other kernel tests use, leaves `triton.language` patched."""

from __future__ import annotations

import json
import sys
import tempfile

import torch
import triton.language as tl
from triton.runtime.jit import JITFunction

from benchmarks.launch_compiler import LaunchCompiler


def wide_dot(a_ptr, b_ptr, c_ptr, M: tl.constexpr, N: tl.constexpr, K: tl.constexpr):
    rm, rn, rk = tl.arange(0, M), tl.arange(0, N), tl.arange(0, K)
    a = tl.load(a_ptr + rm[:, None] * K + rk[None, :])
    b = tl.load(b_ptr + rk[:, None] * N + rn[None, :])
    tl.store(c_ptr + rm[:, None] * N + rn[None, :], tl.dot(a, b))


def main(arch: int) -> None:
    kernel = JITFunction(wide_dot)  # compiled, never run: the tensors stay on the CPU
    compiler = LaunchCompiler(arch)
    a, b = torch.empty(64, 256, dtype=torch.bfloat16), torch.empty(256, 256, dtype=torch.bfloat16)
    with tempfile.TemporaryDirectory() as cache, compiler.installed(cache):
        kernel[(1,)](a, b, torch.empty(64, 256), M=64, N=256, K=256)
    (row,) = compiler.report()
    print(json.dumps(row | {"failures": compiler.failures}))


if __name__ == "__main__":
    main(int(sys.argv[1]))
