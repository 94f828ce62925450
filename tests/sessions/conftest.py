"""A session store in the test's own data dir, the demo engine at full speed, and a
stand-in for the chat UI."""

from __future__ import annotations

import math
import sys
import types

import pytest

from qwen_tui.engine.scripted.demo import DemoEngine
from qwen_tui.sessions import SessionStore


@pytest.fixture
def store() -> SessionStore:
    return SessionStore()


@pytest.fixture
def fake_ui(monkeypatch, a_terminal):
    """Stands in for `qwen_tui.ui.app` and the terminal it needs; `calls` keeps each
    run_chat_app call's arguments, and `during(kwargs)` runs as if the user chatted."""
    ui = types.SimpleNamespace(calls=[], during=lambda kwargs: None)

    def run_chat_app(settings, **kwargs):
        ui.calls.append({"settings": settings, **kwargs})
        ui.during({"settings": settings, **kwargs})

    monkeypatch.setitem(
        sys.modules, "qwen_tui.ui.app", types.SimpleNamespace(run_chat_app=run_chat_app)
    )
    return ui


@pytest.fixture
def fast_demo(monkeypatch):
    import qwen_tui.engine.factory as factory

    monkeypatch.setattr(
        factory, "create_engine", lambda settings: DemoEngine(tokens_per_s=math.inf, load_s=0)
    )
