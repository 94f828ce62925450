"""Library noise stays out of the terminal: warnings that transformers' logger, Python's
`warnings` and torch's logger raise while `qwen-chat run` loads a tiny model go to the log
file, and to stderr only with --verbose; the project's own messages stay on stderr."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.engine.tiny_models import chain_checkpoint, special_id, token_ids

ROOT = Path(__file__).resolve().parents[2]
MARKERS = ("TRANSFORMERS-LOGGER-WARNING", "WARNINGS-WARN-WARNING", "TORCH-LOGGER-WARNING")
# Runs qwen-chat with the tokenizer load made noisy the way libraries are: after the real
# load (which imports transformers in the engine's thread and sets up its stderr handler).
NOISY_RUN = """
import logging, sys, warnings
from qwen_tui.cli import main
from qwen_tui.engine import prompting

real_init = prompting.ChatTokenizer.__init__

def noisy_init(self, model_dir):
    real_init(self, model_dir)
    from transformers.utils import logging as transformers_logging

    transformers_logging.get_logger("transformers.tokenization_utils_base").warning(
        "TRANSFORMERS-LOGGER-WARNING: set fix_mistral_regex=True"
    )
    warnings.warn("WARNINGS-WARN-WARNING", UserWarning)
    logging.getLogger("torch._dynamo").warning("TORCH-LOGGER-WARNING")

prompting.ChatTokenizer.__init__ = noisy_init
sys.argv = ["qwen-chat", "run", *sys.argv[1:]]
main()
"""


@pytest.fixture(scope="module")
def answerer(tmp_path_factory) -> Path:
    chain = [*token_ids("Paris."), special_id("<|im_end|>")]
    return chain_checkpoint(tmp_path_factory.mktemp("noisy") / "model", chain)


def noisy_run(model: Path, data_dir: Path, *flags: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "QWEN_TUI_DATA_DIR": str(data_dir)}
    env.pop("TRITON_INTERPRET", None)
    args = ["--model", str(model), "--device", "cpu", "--no-save", "--temperature", "0", *flags]
    command = [sys.executable, "-c", NOISY_RUN, *args, "Capital of France?"]
    return subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)


def test_library_warnings_go_to_the_log_file_not_the_terminal(answerer, tmp_path):
    done = noisy_run(answerer, tmp_path)
    assert done.returncode == 0, done.stderr
    assert done.stdout == "Paris.\n"
    assert not [m for m in MARKERS if m in done.stderr + done.stdout], done.stderr
    assert "qwen-chat: warning:" in done.stderr and "Greedy decoding" in done.stderr  # ours
    log = (tmp_path / "qwen-chat.log").read_text(encoding="utf-8")
    assert all(marker in log for marker in MARKERS), log


def test_verbose_shows_them_on_stderr_too(answerer, tmp_path):
    done = noisy_run(answerer, tmp_path, "--verbose")
    assert done.returncode == 0, done.stderr
    assert done.stdout == "Paris.\n"
    assert all(marker in done.stderr for marker in MARKERS), done.stderr
    assert "transformers.tokenization_utils_base: WARNING: TRANSFORMERS" in done.stderr
