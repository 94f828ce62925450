"""Which torch ops in a piece of code would wait for the GPU before the host can go on.

On CUDA an op whose output shape or value the host needs (`.item()`, `nonzero`,
`bincount`, `unique`, boolean-mask indexing, ...) blocks the host until the GPU has caught
up, so the host can no longer queue kernels ahead. `torch.cuda.set_sync_debug_mode` finds
them only on a GPU; recording the ops through a dispatch mode finds them on the CPU too.
"""

from __future__ import annotations

import torch
from torch.utils._python_dispatch import TorchDispatchMode

SYNCING_OPS = {
    "aten._local_scalar_dense",  # .item(), bool(), int() of a tensor
    "aten.nonzero",
    "aten.bincount",
    "aten._unique2",
    "aten.unique_consecutive",
    "aten.unique_dim",
    "aten.masked_select",
    "aten.is_nonzero",
    "aten.equal",
}


class HostSyncRecorder(TorchDispatchMode):
    """`with HostSyncRecorder() as rec: ...` then `rec.syncs` lists the syncing ops run."""

    def __init__(self) -> None:
        super().__init__()
        self.syncs: list[str] = []

    def __torch_dispatch__(self, func, types, args=(), kwargs=None):
        name = func.overloadpacket._qualified_op_name.replace("::", ".")
        kwargs = kwargs or {}
        if name in SYNCING_OPS or _mask_indexing(name, args) or _data_sized(func, kwargs):
            self.syncs.append(name)
        return func(*args, **kwargs)


def _mask_indexing(name: str, args) -> bool:
    """x[mask] and x[mask] = y: the result's size is the number of True values."""
    if name not in ("aten.index", "aten.index_put", "aten.index_put_"):
        return False
    indices = args[1] if len(args) > 1 else ()
    return any(isinstance(i, torch.Tensor) and i.dtype == torch.bool for i in indices)


def _data_sized(func, kwargs) -> bool:
    """repeat_interleave with tensor repeats sizes its output from their sum, unless told
    (int repeats, the `self_int` overload, know the size on the host)."""
    tensor_repeats = func._overloadname in ("Tensor", "self_Tensor")
    return (
        func.overloadpacket.__name__ == "repeat_interleave"
        and tensor_repeats
        and kwargs.get("output_size") is None
    )
