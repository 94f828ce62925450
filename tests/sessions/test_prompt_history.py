"""The prompt history Up recalls across conversations and runs: kept between runs, no
repeats in a row, bounded, and never an error for a damaged or unwritable file."""

from __future__ import annotations

import json

from qwen_tui.sessions.prompt_history import KEPT_PROMPTS, PromptHistory, history_file


def test_prompts_come_back_in_the_next_run_oldest_first():
    history = PromptHistory()
    for prompt in ("one", "two", "two", "three"):
        history.add(prompt)
    assert PromptHistory().prompts == ["one", "two", "three"]


def test_a_conversations_own_prompts_are_recalled_first():
    history = PromptHistory()
    for prompt in ("elsewhere", "shared", "later elsewhere"):
        history.add(prompt)
    recalled = history.recalled_with(["shared", "mine"])
    assert recalled == ["elsewhere", "later elsewhere", "shared", "mine"]  # Up reads from the end


def test_damaged_lines_are_skipped_and_the_rest_recalled():
    path = history_file()
    path.parent.mkdir(parents=True, exist_ok=True)
    good = json.dumps({"prompt": "kept"})
    path.write_bytes(f'{good}\n{{"prompt": 5}}\nnot json\n\xff\n{good[:-3]}'.encode())
    assert PromptHistory().prompts == ["kept"]


def test_the_history_stays_bounded():
    history = PromptHistory()
    for n in range(2 * KEPT_PROMPTS + 5):
        history.add(f"prompt {n}")
    again = PromptHistory().prompts
    assert len(again) == KEPT_PROMPTS and again[-1] == f"prompt {2 * KEPT_PROMPTS + 4}"


def test_long_pastes_and_blank_lines_are_not_kept():
    history = PromptHistory()
    history.add("   ")
    history.add("x" * 5000)
    assert PromptHistory().prompts == []


def test_an_unwritable_data_dir_keeps_the_history_for_this_run_only(tmp_path, monkeypatch):
    not_a_folder = tmp_path / "data-is-a-file"
    not_a_folder.write_text("")
    monkeypatch.setenv("QWEN_TUI_DATA_DIR", str(not_a_folder))  # nothing can be written there
    history = PromptHistory()
    history.add("still recalled")
    assert history.recalled_with([]) == ["still recalled"]
    assert PromptHistory().prompts == []


def test_a_history_file_that_is_a_directory_is_no_error():
    history_file().mkdir(parents=True)
    history = PromptHistory()
    history.add("hello")
    assert history.prompts == ["hello"]
