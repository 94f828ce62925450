"""Under a locale whose encoding is ASCII (LC_ALL=C with Python's UTF-8 mode off), the
session commands print instead of crashing: an export to stdout is the same UTF-8
document `-o` writes, and what is only shown escapes what ASCII cannot hold."""

from __future__ import annotations

import os
import shutil
import subprocess

import pytest

from qwen_tui.sessions import SessionStore
from tests.sessions.helpers import record, sample_conversation


def under_c_locale(*args: str) -> subprocess.CompletedProcess[bytes]:
    script = shutil.which("qwen-chat")
    assert script, "the qwen-chat console script is not installed (pip install -e .)"
    env = {k: v for k, v in os.environ.items() if k != "PYTHONIOENCODING"}
    env |= {"LC_ALL": "C", "LANG": "C", "PYTHONUTF8": "0"}
    return subprocess.run([script, *args], capture_output=True, env=env, timeout=120, check=False)


@pytest.fixture
def saved() -> str:
    return record(SessionStore(), sample_conversation())  # holds × and 好


@pytest.mark.parametrize("fmt", ["md", "json"])
def test_export_to_stdout_writes_the_same_utf8_as_a_file(saved, tmp_path, fmt):
    shown = under_c_locale("sessions", "export", saved, "--format", fmt)
    assert shown.returncode == 0, shown.stderr.decode(errors="replace")
    target = tmp_path / f"export.{fmt}"
    written = under_c_locale("sessions", "export", saved, "--format", fmt, "-o", str(target))
    assert written.returncode == 0
    assert shown.stdout == target.read_bytes()
    assert "6 × 7".encode() in shown.stdout and "好".encode() in shown.stdout


@pytest.mark.parametrize("command", ["show", "list"])
def test_show_and_list_escape_what_ascii_cannot_hold(saved, command):
    args = ["show", saved, "--thinking"] if command == "show" else ["list"]
    result = under_c_locale("sessions", *args)
    assert result.returncode == 0, result.stderr.decode(errors="replace")
    assert b"Traceback" not in result.stderr
    assert b"6 \\xd7 7" in result.stdout
