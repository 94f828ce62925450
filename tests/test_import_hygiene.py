"""The domain packages must be usable without the UI (and the chat core without torch)."""

from __future__ import annotations

import subprocess
import sys

import pytest

DOMAIN_MODULES = [
    "qwen_tui.chat",
    "qwen_tui.conversation",
    "qwen_tui.sessions",
    "qwen_tui.engine",
    "qwen_tui.engine.base",
    "qwen_tui.engine.worker",
    "qwen_tui.engine.remote",
    "qwen_tui.server",
]


def _imported_after(module: str) -> set[str]:
    code = f"import sys, importlib, pkgutil\nimport {module} as m\n" + (
        "for info in pkgutil.walk_packages(getattr(m, '__path__', []), m.__name__ + '.'):\n"
        "    importlib.import_module(info.name)\n"
        "print('\\n'.join(sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return set(out.stdout.split())


@pytest.mark.parametrize("module", DOMAIN_MODULES)
def test_domain_packages_import_no_textual(module):
    loaded = _imported_after(module)
    assert not {m for m in loaded if m == "textual" or m.startswith("textual.")}
    assert not {m for m in loaded if m.startswith("qwen_tui.ui")}


@pytest.mark.parametrize(
    "module",
    [
        "qwen_tui.chat",
        "qwen_tui.conversation",
        "qwen_tui.sessions",
        "qwen_tui.server",  # `serve --engine demo` and `--engine openai` run without torch
        "qwen_tui.engine.remote",
    ],
)
def test_chat_core_imports_no_torch(module):
    loaded = _imported_after(module)
    assert "torch" not in loaded and "transformers" not in loaded
