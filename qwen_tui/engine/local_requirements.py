"""What the in-process engine needs beyond a light install: the `gpu` extra.

`pip install qwen-tui` alone gives the UI, the demo engine and sessions. The local engine
imports torch, transformers (which renders chat templates with jinja2), tokenizers and
safetensors; this says which of them are missing without importing any.
"""

from __future__ import annotations

import importlib.util

GPU_EXTRA_MODULES = ("torch", "transformers", "tokenizers", "safetensors", "jinja2")
INSTALL_GPU_EXTRA = "pip install 'qwen-tui[gpu]' (in a checkout: pip install -e '.[gpu]')"


def missing_local_engine_modules() -> list[str]:
    """The modules of the `gpu` extra this Python cannot import, in a fixed order."""
    return [name for name in GPU_EXTRA_MODULES if importlib.util.find_spec(name) is None]


def local_engine_unavailable(missing: list[str]) -> str:
    """The one-line message for a local engine whose `missing` modules are not installed."""
    return (
        f"the local engine needs {', '.join(missing)}, from the gpu extra: "
        f"{INSTALL_GPU_EXTRA}; or run without a model: --engine demo"
    )
