"""A tiny local model that answers with escape sequences: `qwen-chat run` prints them as
visible marks (to a pipe and to a real terminal), `--json` keeps them exactly, and an
error quoting a model file shows its sequences as marks too."""

from __future__ import annotations

import json
import os
import shutil
import subprocess

import pytest

from tests.engine.tiny_models import chain_checkpoint, special_id, token_ids
from tests.pty_run import PtyRun

THINKING = "\u202eabc"
ANSWER = "Hi\x1b]2;PWNED\x07"
CPU = ["--device", "cpu", "--dtype", "float32", "--no-save"]


@pytest.fixture(scope="module")
def pwned(tmp_path_factory):
    """A model that thinks a bidi override and answers with a title-setting sequence."""
    chain = [
        special_id("<think>"),
        *token_ids(THINKING),
        special_id("</think>"),
        *token_ids("\n\n" + ANSWER),
        special_id("<|im_end|>"),
    ]
    return chain_checkpoint(tmp_path_factory.mktemp("hostile") / "pwned", chain)


def qwen_chat(*args: str) -> subprocess.CompletedProcess[bytes]:
    script = shutil.which("qwen-chat")
    assert script, "the qwen-chat console script is not installed (pip install -e .)"
    return subprocess.run(
        [script, *args], capture_output=True, env=dict(os.environ), timeout=300, check=False
    )


def test_run_prints_the_answer_and_thinking_as_marks(pwned):
    result = qwen_chat("run", "--model", str(pwned), *CPU, "--show-thinking", "Hello?")
    assert result.returncode == 0, result.stderr
    assert result.stdout == "Hi␛]2;PWNED␇\n".encode()
    assert b"<U+202E>abc" in result.stderr
    assert b"\x1b" not in result.stderr and "\u202e".encode() not in result.stderr


def test_run_json_keeps_the_exact_answer_in_json_escapes(pwned):
    result = qwen_chat("run", "--model", str(pwned), *CPU, "--json", "Hello?")
    assert result.returncode == 0, result.stderr
    assert b"\x1b" not in result.stdout and "\u202e".encode() not in result.stdout
    report = json.loads(result.stdout)
    assert (report["thinking"], report["answer"]) == (THINKING, ANSWER)


def test_in_a_real_terminal_run_sends_no_sequence_from_the_model(pwned):
    run = PtyRun("run", "--model", str(pwned), *CPU, "--show-thinking", "Hello?")
    status = run.finish(timeout=300)
    assert status == 0, run.output
    assert b"\x1b]2;PWNED" not in run.output and "\u202e".encode() not in run.output
    # The thinking is dimmed piece by piece, so only the mark itself is whole.
    assert "Hi␛]2;PWNED␇".encode() in run.output and b"<U+202E>" in run.output


def test_an_error_quoting_the_model_config_shows_its_sequences_as_marks(pwned, tmp_path):
    path = shutil.copytree(pwned, tmp_path / "m")
    config = json.loads((path / "config.json").read_text())
    config["model_type"] = "x\x1b]2;PWNED\x07"
    (path / "config.json").write_text(json.dumps(config))
    result = qwen_chat("run", "--model", str(path), *CPU, "Hello?")
    assert result.returncode == 2
    [line] = result.stderr.decode().splitlines()
    assert line.startswith("qwen-chat: error: ") and "x␛]2;PWNED␇ model" in line
