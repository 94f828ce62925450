"""A session store in the test's own data dir."""

from __future__ import annotations

import pytest

from qwen_tui.sessions import SessionStore


@pytest.fixture
def store() -> SessionStore:
    return SessionStore()
