"""While a UI owns the terminal, --verbose holds the libraries' records and prints them
once it has closed; without --verbose they only reach the log file."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
A_UI_RUN = """
import logging, sys, warnings
from qwen_tui.library_output import route_library_output
route_library_output(verbose=sys.argv[1] == "verbose", ui=True)
logging.getLogger("huggingface_hub.file_download").warning("HUB-WARNING")
warnings.warn("WARNINGS-WARN", UserWarning)
sys.stderr.write("THE UI CLOSES\\n")
"""


@pytest.mark.parametrize("verbose", [False, True])
def test_records_wait_for_the_ui_to_close_and_only_with_verbose(tmp_path, verbose):
    env = {**os.environ, "QWEN_TUI_DATA_DIR": str(tmp_path)}
    mode = "verbose" if verbose else "quiet"
    done = subprocess.run(
        [sys.executable, "-c", A_UI_RUN, mode], cwd=ROOT, env=env, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr
    lines = done.stderr.splitlines()
    held = ["huggingface_hub.file_download: WARNING: HUB-WARNING", "py.warnings: WARNING: "]
    if verbose:
        assert lines[0] == "THE UI CLOSES" and lines[1] == held[0]
        assert lines[2].startswith(held[1]) and "WARNINGS-WARN" in lines[2]
    else:
        assert lines == ["THE UI CLOSES"]
    log = (tmp_path / "qwen-chat.log").read_text(encoding="utf-8")
    assert "HUB-WARNING" in log and "WARNINGS-WARN" in log


def test_a_data_directory_that_cannot_be_written_keeps_the_records_off_the_terminal(tmp_path):
    not_a_dir = tmp_path / "data"
    not_a_dir.write_text("a file where the data directory should be\n")
    env = {**os.environ, "QWEN_TUI_DATA_DIR": str(not_a_dir)}
    done = subprocess.run(
        [sys.executable, "-c", A_UI_RUN, "quiet"], cwd=ROOT, env=env, capture_output=True, text=True
    )
    assert (done.returncode, done.stderr) == (0, "THE UI CLOSES\n")
