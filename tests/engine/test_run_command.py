"""`qwen-chat run`: one answer without the UI, as text or JSON, with one-line errors."""

from __future__ import annotations

import json
import os
import shutil
import subprocess

import pytest
import torch
from typer.testing import CliRunner

from qwen_tui.cli import app
from qwen_tui.engine.synthetic.tokenizer import write_tokenizer_files
from tests.config_files import write_config
from tests.engine.tiny_models import chain_checkpoint, special_id, token_ids
from tests.tools.test_run_tools import TIME_SERVER
from tests.tools.test_tool_prompts import REFERENCE

WIDE = {"COLUMNS": "240"}
CPU = ["--device", "cpu", "--dtype", "float32"]


def invoke(*args: str):
    return CliRunner().invoke(app, ["run", *args], env=WIDE)


def test_json_answer_matches_stock_transformers_greedy(tiny, reference):
    """The issue's done criterion, through the installed console script."""
    name = "moe_asym_desc_g64_qrouter"
    script = shutil.which("qwen-chat")
    assert script, "the qwen-chat console script is not installed (pip install -e .)"
    result = subprocess.run(
        [
            script,
            "run",
            "--model",
            str(tiny[name]),
            *CPU,
            "--temperature",
            "0",
            "--presence-penalty",
            "0",
            "--max-new-tokens",
            "12",
            "--json",
            "Why is the sky blue?",
        ],
        capture_output=True,
        text=True,
        env={**os.environ, **WIDE},
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert report["prompt"].startswith("<|im_start|>user\nWhy is the sky blue?<|im_end|>\n")
    assert report["prompt"].endswith("<|im_start|>assistant\n")  # thinking on by default
    with torch.inference_mode():
        stock = reference(name).generate(
            torch.tensor([report["prompt_ids"]]),
            do_sample=False,
            max_new_tokens=12,
            eos_token_id=[special_id("<|im_end|>"), special_id("<|endoftext|>")],
            pad_token_id=special_id("<|endoftext|>"),
        )
    assert report["token_ids"] == stock[0, len(report["prompt_ids"]) :].tolist()
    assert report["finish_reason"] in {"stop", "length"}
    assert report["stats"]["prompt_tokens"] == len(report["prompt_ids"])
    assert report["stats"]["generated_tokens"] == len(report["token_ids"])
    assert "Greedy decoding" in result.stderr  # temperature 0 while thinking: warned


@pytest.fixture(scope="module")
def thinker(tmp_path_factory):
    chain = [
        special_id("<think>"),
        *token_ids("Let me think"),
        special_id("</think>"),
        *token_ids("\n\nParis is the capital."),
        special_id("<|im_end|>"),
    ]
    return chain_checkpoint(tmp_path_factory.mktemp("run") / "thinker", chain)


def test_prints_the_answer_and_only_on_request_the_thinking(thinker):
    plain = invoke("--model", str(thinker), *CPU, "Capital of France?")
    assert plain.exit_code == 0, plain.stderr
    assert plain.stdout == "Paris is the capital.\n"
    assert "Let me think" not in plain.stderr
    shown = invoke("--model", str(thinker), *CPU, "--show-thinking", "Capital of France?")
    assert shown.stdout == "Paris is the capital.\n"
    assert "Let me think" in shown.stderr


def test_json_splits_thinking_from_answer(thinker):
    result = invoke("--model", str(thinker), *CPU, "--json", "--top-k", "5", "Capital?")
    report = json.loads(result.stdout)
    assert (report["thinking"], report["answer"]) == ("Let me think", "Paris is the capital.")
    assert report["finish_reason"] == "stop" and report["token_ids"][-1] == special_id("<|im_end|>")
    assert report["sampling"]["top_k"] == 5 and report["sampling"]["temperature"] == 0.6


def test_no_think_uses_the_thinking_off_prompt(thinker):
    report = json.loads(invoke("--model", str(thinker), *CPU, "--no-think", "--json", "Hi").stdout)
    assert report["prompt"].endswith("<think>\n\n</think>\n\n")
    assert report["thinking_mode"] is False and report["sampling"]["temperature"] == 0.7


@pytest.mark.skipif(REFERENCE is None, reason="../shared/reference is absent")
def test_json_prompt_and_its_token_count_include_the_offered_tools(thinker, tmp_path):
    assert REFERENCE is not None
    published = shutil.copytree(thinker, tmp_path / "published")
    write_tokenizer_files(published, chat_template=REFERENCE.read_text(encoding="utf-8"))
    write_config(TIME_SERVER)
    report = json.loads(invoke("--model", str(published), *CPU, "--json", "Capital?").stdout)
    assert report["prompt"].startswith("<|im_start|>system\n# Tools\n")
    assert '"name": "time.get_current_time"' in report["prompt"]
    assert report["stats"]["prompt_tokens"] == len(report["prompt_ids"])
    assert report["answer"] == "Paris is the capital." and report["tool_calls"] == []


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["--model", "/nowhere/model", "Hi"], "does not exist"),
        (["--temperature", "-1", "Hi"], "temperature"),
        (["--device", "tpu", "Hi"], "--device is 'tpu'"),
        (["   "], "the prompt is empty"),
    ],
)
def test_bad_input_gives_one_line_and_a_nonzero_exit(args, expected):
    result = invoke(*args)
    assert result.exit_code == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("qwen-chat: error:") and expected in lines[0]


def test_unloadable_model_is_one_line(tmp_path, tiny):
    path = shutil.copytree(tiny["dense_plain_tied"], tmp_path / "m")
    (path / "model.safetensors").write_bytes(b"\x00" * 10)
    result = invoke("--model", str(path), *CPU, "Hi")
    assert result.exit_code == 2
    assert result.stderr.strip().count("\n") == 0 and "truncated or corrupt" in result.stderr
