"""The kernel launches a piece of code queues, counted on the CPU: each Triton launch (run
by the interpreter) and each torch op that would be a GPU kernel (not views or allocations,
which cost the host but launch nothing). The host's time to queue a prefill grows with this
count (about 50 us a launch in Python on the GPU machines, benchmarks/NOTES.md)."""

from __future__ import annotations

from collections import Counter

from torch.utils._python_dispatch import TorchDispatchMode
from triton.runtime.interpreter import InterpretedFunction

# aten ops that launch no kernel: views, shape changes, allocations
NO_KERNEL = {
    "alias",
    "as_strided",
    "detach",
    "empty",
    "empty_like",
    "empty_strided",
    "expand",
    "new_empty",
    "permute",
    "reshape",
    "select",
    "slice",
    "squeeze",
    "t",
    "transpose",
    "unsqueeze",
    "view",
    "_reshape_alias",
    "_unsafe_view",
}


class LaunchCounter(TorchDispatchMode):
    """`with LaunchCounter() as launches: ...` then `launches.counts` holds each kernel's
    launches ("triton:NAME" or "torch:OP"). The torch ops the interpreter runs to execute
    a Triton kernel are not counted."""

    def __init__(self) -> None:
        super().__init__()
        self.counts: Counter[str] = Counter()
        self._in_kernel = 0
        self._run = InterpretedFunction.run

    def __enter__(self) -> LaunchCounter:
        counter, run = self, self._run

        def counted_run(function, *args, **kwargs):
            counter.counts[f"triton:{function.fn.__name__}"] += 1
            counter._in_kernel += 1
            try:
                return run(function, *args, **kwargs)
            finally:
                counter._in_kernel -= 1

        InterpretedFunction.run = counted_run  # type: ignore[method-assign]
        super().__enter__()
        return self

    def __exit__(self, *exc) -> None:
        InterpretedFunction.run = self._run  # type: ignore[method-assign]
        super().__exit__(*exc)

    def __torch_dispatch__(self, func, types, args=(), kwargs=None):
        name = func.overloadpacket.__name__
        if not self._in_kernel and name not in NO_KERNEL:
            self.counts[f"torch:{name}"] += 1
        return func(*args, **(kwargs or {}))

    @property
    def total(self) -> int:
        return sum(self.counts.values())
