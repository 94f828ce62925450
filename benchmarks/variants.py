"""Trying variants of the kernels' module constants (tile sizes, warps, fusions) in one
process: each sweep sets a few constants, measures, and puts them back. A variant can also
be named on a command line as `module.path.NAME=value` (`--set`), so the winner of a sweep
can be run end to end without editing code."""

from __future__ import annotations

import ast
import importlib
from collections.abc import Iterator
from contextlib import contextmanager

Changes = dict[tuple[object, str], object]  # (module or class, attribute name) -> value


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


def parse_settings(settings: list[str]) -> Changes:
    """["qwen_tui.engine.runner.sampler.FUSED=True", ...] -> Changes; the module must
    have the constant already, so a typo fails here rather than setting nothing."""
    changes: Changes = {}
    for setting in settings:
        target, _, value = setting.partition("=")
        module_path, _, name = target.rpartition(".")
        module = importlib.import_module(module_path)
        if not value or not hasattr(module, name):
            raise SystemExit(f"--set {setting}: expected MODULE.CONSTANT=VALUE, an existing one")
        changes[(module, name)] = ast.literal_eval(value)
    return changes


def as_settings(changes: Changes) -> list[str]:
    """The inverse of `parse_settings`."""
    return [
        f"{getattr(module, '__name__', module)}.{name}={value!r}"
        for (module, name), value in changes.items()
    ]
