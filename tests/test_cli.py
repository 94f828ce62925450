"""The `qwen-chat` command: help, version, doctor, and bad settings without tracebacks.

The CliRunner tests drive `qwen_tui.cli.app` in-process; the subprocess tests run the
installed console script, as a user would, to check the real exit codes and stderr.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import types

import pytest
from typer.testing import CliRunner

from qwen_tui import __version__
from qwen_tui.cli import app
from qwen_tui.config import ConfigError
from tests.config_files import write_config
from tests.pty_run import PtyRun

WIDE = {"COLUMNS": "240"}


def invoke(*args: str):
    return CliRunner().invoke(app, list(args), env=WIDE)


def qwen_chat(*args: str) -> subprocess.CompletedProcess[str]:
    script = shutil.which("qwen-chat")
    assert script, "the qwen-chat console script is not installed (pip install -e .)"
    env = {**os.environ, **WIDE}
    return subprocess.run(
        [script, *args], capture_output=True, text=True, env=env, timeout=120, check=False
    )


def test_help_lists_the_commands_and_model_options():
    result = invoke("--help")
    assert result.exit_code == 0
    for text in ("doctor", "--model", "--think", "--no-think", "--temperature", "--version"):
        assert text in result.output


@pytest.mark.parametrize("command", [(), ("run",), ("replay",), ("sessions", "delete")])
def test_help_shows_no_value_after_a_plain_flag(command):
    result = invoke(*command, "--help")
    assert result.exit_code == 0 and "--help" in result.output
    assert "<bool>" not in result.output  # typer 0.29's rich help shows one after every flag


def test_version():
    result = invoke("--version")
    assert result.exit_code == 0
    assert result.output.strip() == f"qwen-chat {__version__}"


def test_doctor_help_mentions_the_model_option():
    result = invoke("doctor", "--help")
    assert result.exit_code == 0 and "--model" in result.output


@pytest.mark.parametrize("engine", ["gpu", "auto"])  # auto is gone: local is the default
def test_bad_flag_value_is_a_config_error_before_anything_starts(engine):
    result = invoke("--engine", engine)
    assert isinstance(result.exception, ConfigError)
    assert f"--engine is '{engine}'; choose one of local, demo" in str(result.exception)


def test_the_chat_without_its_model_is_one_line_and_no_ui(monkeypatch, a_terminal):
    calls: list = []
    fake = types.SimpleNamespace(run_chat_app=lambda settings, **kwargs: calls.append(settings))
    monkeypatch.setitem(sys.modules, "qwen_tui.ui.app", fake)
    result = invoke()  # the local engine and the 30B model, not in the cache
    assert result.exit_code == 2 and calls == []
    [line] = result.stderr.strip().splitlines()
    assert "Qwen/Qwen3-30B-A3B-GPTQ-Int4 is not in the local cache" in line
    assert "hf download" in line and "`qwen-chat doctor`" in line and "--engine demo" in line


def test_unknown_option_is_a_usage_error():
    result = invoke("--thinking")
    assert result.exit_code == 2
    assert "No such option" in result.output


def test_a_thinking_budget_that_is_not_a_count_is_one_line(tmp_path):
    run = qwen_chat("run", "--engine", "demo", "--thinking-budget", "-3", "Hi")
    assert run.returncode == 2
    assert run.stderr.strip() == (
        "qwen-chat: error: command line: --thinking-budget is -3; give a number of thinking "
        "tokens, at least 1 (leave it out for no limit)"
    )


def test_run_stops_the_thinking_at_the_budget_and_answers(monkeypatch):
    monkeypatch.setenv("QWEN_TUI_DEMO_SPEED", "inf")
    plain = json.loads(invoke("run", "--engine", "demo", "--no-save", "--json", "Hi").stdout)
    result = invoke(
        "run", "--engine", "demo", "--no-save", "--json", "--thinking-budget", "5", "Hi"
    )
    assert result.exit_code == 0, result.output
    reply = json.loads(result.stdout)
    assert reply["thinking"].endswith(
        "I have to give the solution based on the thinking directly now."
    )
    assert len(reply["thinking"]) < len(plain["thinking"]) and reply["answer"] == plain["answer"]
    assert reply["thinking_budget_reached"] and not plain["thinking_budget_reached"]


def test_script_help_and_version():
    help_run = qwen_chat("--help")
    assert help_run.returncode == 0 and "doctor" in help_run.stdout
    version_run = qwen_chat("--version")
    assert (version_run.returncode, version_run.stdout) == (0, f"qwen-chat {__version__}\n")


@pytest.mark.parametrize(
    ("config", "weights", "why"),
    [
        ({"model_type": "llama"}, True, "holds a llama model; qwen-chat runs Qwen3"),
        ({"model_type": "qwen3"}, False, "has no .safetensors weights"),
        (
            {"model_type": "qwen3", "quantization_config": {"quant_method": "awq"}},
            True,
            "unsupported quantization: quant_method 'awq'",
        ),
    ],
)
def test_a_model_the_engine_would_refuse_is_one_line_before_the_ui(
    tmp_path, monkeypatch, a_terminal, config, weights, why
):
    calls: list = []
    fake = types.SimpleNamespace(run_chat_app=lambda settings, **kwargs: calls.append(settings))
    monkeypatch.setitem(sys.modules, "qwen_tui.ui.app", fake)
    (tmp_path / "config.json").write_text(json.dumps(config))
    if weights:
        (tmp_path / "model.safetensors").write_bytes(b"")
    result = invoke("--model", str(tmp_path))
    assert result.exit_code == 2 and calls == []
    [line] = result.stderr.strip().splitlines()
    assert why in line


def test_script_without_a_model_prints_one_line_instead_of_opening_the_ui():
    run = PtyRun(columns=400)  # a real terminal, as a user's first run has
    assert run.finish(timeout=120) == 2
    [line] = run.output.decode().strip().splitlines()
    assert line.startswith("qwen-chat: error: Qwen/Qwen3-30B-A3B-GPTQ-Int4 is not in the local")
    assert line.endswith(
        "`qwen-chat doctor` checks this machine; --engine demo runs without a model"
    )


def test_script_doctor_says_what_is_missing(tmp_path):
    import torch

    run = qwen_chat("doctor")
    assert run.returncode == 1, run.stderr  # checks failed
    assert "Missing for Qwen3-30B-A3B-GPTQ-Int4:" in run.stdout
    assert "the model files" in run.stdout
    if not torch.cuda.is_available():
        assert "an NVIDIA GPU with 22 GiB free and a CUDA build of torch" in run.stdout


@pytest.mark.parametrize(
    ("text", "key"),
    [("thinking = \n", "TOML"), ('engine = "gpu"\n', "'engine'"), ("colour = 1\n", "'colour'")],
)
def test_script_bad_config_is_one_line_and_exit_code_2(text, key):
    path = write_config(text)
    run = qwen_chat("doctor")
    assert run.returncode == 2
    assert "Traceback" not in run.stderr
    lines = run.stderr.strip().splitlines()
    assert len(lines) == 1
    assert lines[0].startswith("qwen-chat: error: ")
    assert str(path) in lines[0] and key in lines[0]


def test_script_bad_flag_is_one_line_and_exit_code_2():
    run = qwen_chat("--temperature", "-1")
    assert run.returncode == 2
    assert run.stderr.strip() == (
        "qwen-chat: error: command line: --temperature must be 0 (greedy) or at least 1e-05, got -1"
    )
