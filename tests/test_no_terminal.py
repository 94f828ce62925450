"""The chat UI commands with no terminal to draw in: one line pointing to `run`, exit 2,
instead of a UI spinning at full CPU forever on a stdin that is not a terminal."""

from __future__ import annotations

import os
import pty
import shutil
import subprocess

import pytest

from qwen_tui.sessions import SessionStore
from tests.sessions.helpers import record, sample_conversation


def qwen_chat(args: list[str], **streams) -> subprocess.CompletedProcess[str]:
    script = shutil.which("qwen-chat")
    assert script, "the qwen-chat console script is not installed (pip install -e .)"
    # A refusal comes at once; a UI left spinning would hit the timeout and fail the test.
    return subprocess.run(
        [script, *args], text=True, timeout=60, check=False, env=dict(os.environ), **streams
    )


@pytest.fixture
def saved() -> str:
    return record(SessionStore(), sample_conversation())


def commands(session_id: str) -> dict[str, tuple[list[str], str]]:
    """Each UI command, and what its refusal suggests instead."""
    return {
        "chat": (["--engine", "demo"], "qwen-chat run PROMPT"),
        "resume": (["resume", "--engine", "demo"], "qwen-chat run --resume ID PROMPT"),
        "play": (["play", session_id], f"qwen-chat sessions show {session_id}"),
        "replay": (["replay", session_id, "--engine", "demo"], "--print"),
    }


@pytest.mark.parametrize("command", ["chat", "resume", "play", "replay"])
def test_piped_stdin_and_output_is_refused_in_one_line(saved, command):
    args, instead = commands(saved)[command]
    result = qwen_chat(args, stdin=subprocess.DEVNULL, capture_output=True)
    assert result.returncode == 2 and result.stdout == ""
    [line] = result.stderr.splitlines()
    assert line.startswith("qwen-chat: error: the chat UI needs a terminal (stdin and stderr")
    assert instead in line


def on_terminal(args: list[str], *, stdin_tty: bool, stderr_tty: bool) -> tuple[int, str]:
    """Run with stdin and stderr each a terminal or not (stdout a pipe); the exit status
    and what stderr got."""
    leader, follower = pty.openpty()
    try:
        result = qwen_chat(
            args,
            stdin=follower if stdin_tty else subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=follower if stderr_tty else subprocess.PIPE,
        )
        shown = os.read(leader, 65536).decode() if stderr_tty else result.stderr
    finally:
        os.close(follower)
        os.close(leader)
    return result.returncode, shown


def test_stdin_alone_not_a_terminal_is_refused(saved):
    status, stderr = on_terminal(["play", saved], stdin_tty=False, stderr_tty=True)
    assert status == 2
    assert "the chat UI needs a terminal (stdin is not one)" in stderr


def test_a_ui_drawing_into_a_pipe_is_refused(saved):
    status, stderr = on_terminal(["resume", "--engine", "demo"], stdin_tty=True, stderr_tty=False)
    assert status == 2
    assert "the chat UI needs a terminal (stderr is not one)" in stderr
    assert SessionStore().load(saved).turns == 2  # refused before the session was opened
