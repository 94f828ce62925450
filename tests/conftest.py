"""Every test runs with its own config and data directories, never the user's."""

from __future__ import annotations

import gc
import os

import pytest
import torch

# Without a GPU the Triton kernels run in Triton's CPU interpreter. The switch is read when
# a kernel is defined, so it must be set before any test module imports one.
if not torch.cuda.is_available():
    os.environ.setdefault("TRITON_INTERPRET", "1")


@pytest.fixture(autouse=True)
def isolated_dirs(tmp_path, monkeypatch):
    monkeypatch.setenv("QWEN_TUI_CONFIG_DIR", str(tmp_path / "config"))
    monkeypatch.setenv("QWEN_TUI_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    return tmp_path


@pytest.fixture
def a_terminal(monkeypatch):
    """The chat UI's check for a terminal passes, as it does for a user at one: pytest and
    CliRunner give the command pipes, which the check refuses."""
    monkeypatch.setattr("qwen_tui.commands.terminal._is_terminal", lambda stream: True)


@pytest.fixture(autouse=True)
def thawed_heap():
    """The local engine freezes the heap after loading and after each reply (`heap.py`): a
    test's objects must not stay frozen, and so uncollectable, for the rest of the run."""
    thresholds = gc.get_threshold()
    yield
    gc.unfreeze()
    gc.set_threshold(*thresholds)


@pytest.fixture(autouse=True)
def notices_kept(monkeypatch):
    """Every notice an app raised stays in `app._notifications`, where tests look for it: a
    toast leaves that collection when it expires (5-10 s), which a loaded CI machine can
    reach before the assertion. The screen still drops each toast on time, as users see."""
    from textual.notifications import Notifications

    monkeypatch.setattr(Notifications, "_reap", lambda self: self)
    monkeypatch.setattr(Notifications, "__delitem__", lambda self, notification: None)
