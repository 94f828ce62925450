"""Triton launches compiled for an NVIDIA GPU instead of run: how `gpu_compile.py` sees,
without a GPU, whether a kernel compiles for one and what it costs in registers, spills
and shared memory.

While `LaunchCompiler.installed()` is active, every `kernel[grid](...)` is specialised as
Triton's JIT would specialise it on the target (pointer alignment, integer divisibility,
constexprs), compiled with the bundled ptxas, and not launched. This leans on Triton's
JIT internals (`create_function_from_signature`, `JITFunction._pack_args`; written
against Triton 3.9): a change there fails loudly here, not silently.
"""

from __future__ import annotations

import contextlib
import io
import re
import time

import triton
from triton.backends.compiler import GPUTarget
from triton.compiler import ASTSource
from triton.compiler.compiler import make_backend
from triton.runtime.autotuner import Autotuner
from triton.runtime.jit import JITFunction, create_function_from_signature

from benchmarks.variants import constants_set

# Shared memory a block may use (the opt-in maximum) per compute capability: a kernel
# needing more compiles, then fails at launch with OutOfResources.
SHARED_MEMORY_LIMITS = {
    70: 98_304,  # V100
    75: 65_536,  # RTX 20xx, Titan RTX, T4
    80: 166_912,  # A100
    86: 101_376,  # RTX 30xx, A10, A40
    87: 166_912,
    89: 101_376,  # RTX 40xx, L4, L40
    90: 232_448,  # H100, H200
    100: 232_448,  # B200
    120: 101_376,  # RTX 50xx
}


def compile_logged(source, target: GPUTarget, options: dict) -> dict:
    """Compile `source` for `target`; registers per thread, spilled bytes and shared memory
    read from ptxas's own report (the cache is bypassed, or ptxas would print nothing)."""
    knobs = triton.knobs
    log = io.StringIO()
    report = {(knobs.nvidia, "dump_ptxas_log"): True, (knobs.compilation, "always_compile"): True}
    with constants_set(report), contextlib.redirect_stdout(log):
        compiled = triton.compile(source, target=target, options=options)
    registers = re.search(r"Used (\d+) registers", log.getvalue())
    spills = re.search(r"(\d+) bytes spill stores", log.getvalue())
    return {
        "registers": int(registers.group(1)) if registers else None,
        "spill_bytes": int(spills.group(1)) if spills else None,
        "shared_bytes": compiled.metadata.shared,
    }


class LaunchCompiler:
    """Compiles each distinct launch once; `report()` lists them, `failures` counts errors."""

    def __init__(self, arch: int, every_candidate: bool = False) -> None:
        self.arch, self.shared_limit = arch, SHARED_MEMORY_LIMITS[arch]
        self.target = GPUTarget("cuda", arch, 32)
        self.backend = make_backend(self.target)
        self.every_candidate = every_candidate
        self.rows: dict[tuple, dict] = {}
        self.failures = 0
        self.phase = ""
        self._binders: dict[JITFunction, object] = {}

    def enter_phase(self, phase: str) -> None:
        """Name what launches next (a row keeps the phase that first needed it)."""
        self.phase = phase

    def compile_launch(self, fn: JITFunction, args: tuple, kwargs: dict) -> None:
        kwargs = {k: v for k, v in kwargs.items() if k not in ("grid", "warmup")}
        binder = self._binders.get(fn)
        if binder is None:
            binder = create_function_from_signature(fn.signature, fn.params, self.backend)
            self._binders[fn] = binder
        bound, specialization, options = binder(*args, **kwargs)
        key = (fn.__module__, fn.__name__, str(specialization), str(options))
        if key in self.rows:
            return
        options, signature, constexprs, attrs = fn._pack_args(
            self.backend, kwargs, bound, specialization, options
        )
        constants = {fn.arg_names[path[0]]: value for path, value in constexprs.items()}
        row = {
            "kernel": f"{fn.__module__.rpartition('.')[2]}.{fn.__name__}",
            "constexprs": {k: _plain(v) for k, v in constants.items() if k.isupper()},
            "warps": options.num_warps,
            "stages": options.num_stages,
            "needed_by": self.phase,
        }
        started = time.perf_counter()
        try:
            source = ASTSource(fn, signature, constexprs, attrs)
            row |= compile_logged(source, self.target, options.__dict__)
            if row["shared_bytes"] > self.shared_limit:
                row["error"] = (
                    f"needs {row['shared_bytes']} B of shared memory, has {self.shared_limit}"
                )
        except Exception as error:  # any compile error is the finding, not a crash
            while error.__cause__ is not None:  # a nested function's error holds the reason
                error = error.__cause__  # type: ignore[assignment]
            row["error"] = f"{type(error).__name__}: {str(error).strip()[-600:]}"
        self.failures += "error" in row
        row["compile_s"] = round(time.perf_counter() - started, 2)
        self.rows[key] = row

    def report(self) -> list[dict]:
        return list(self.rows.values())

    def installed(self, cache_dir: str) -> contextlib.AbstractContextManager[None]:
        """Route launches here; autotuners keep their first candidate (or try every one
        with `every_candidate`) and keep no timings. Triton's cache goes to `cache_dir`."""
        compiler = self

        def run(fn, *args, **kwargs):
            compiler.compile_launch(fn, args, kwargs)

        def prune(tuner, kwargs, *rest):
            kept = original_prune(tuner, kwargs, *rest)
            return kept if compiler.every_candidate else kept[:1]

        def bench(tuner, *args, config, **meta):
            tuner.fn.run(*args, **meta, **config.all_kwargs())
            return [0.0, 0.0, 0.0]  # all equal: the first candidate is kept

        def no_disk_cache(tuner, key, configs, benchmark):
            benchmark()  # the disk cache would ask the (absent) driver for its target
            return False

        original_prune = Autotuner.prune_configs
        return constants_set(
            {
                (JITFunction, "run"): run,
                (Autotuner, "prune_configs"): prune,
                (Autotuner, "_bench"): bench,
                (Autotuner, "check_disk_cache"): no_disk_cache,
                (triton.knobs.cache, "dir"): cache_dir,
            }
        )


def _plain(value: object) -> object:
    """A constexpr as JSON can hold it: numbers and flags as they are, a dtype by name."""
    return value if value is None or isinstance(value, bool | int | float | str) else str(value)
