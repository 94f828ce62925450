"""Trying variants of the kernels' module constants (tile sizes, warps, fusions) in one
process: each sweep sets a few constants, measures, and puts them back."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from types import ModuleType

Changes = dict[tuple[ModuleType, str], object]  # (module, constant name) -> value


@contextmanager
def constants_set(changes: Changes) -> Iterator[None]:
    saved = {key: getattr(*key) for key in changes}
    try:
        for (module, name), value in changes.items():
            setattr(module, name, value)
        yield
    finally:
        for (module, name), value in saved.items():
            setattr(module, name, value)
