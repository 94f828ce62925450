"""`sessions export -o FILE`: the guards it shares with the chat's `/save`."""

from __future__ import annotations

import errno
import os

import pytest
from typer.testing import CliRunner

from qwen_tui.cli import app
from tests.sessions.helpers import record, sample_conversation


@pytest.fixture
def saved(store) -> str:
    return record(store, sample_conversation())


def export(*args: str, input: str | None = None):
    return CliRunner().invoke(app, ["sessions", "export", *args], input=input)


def test_an_existing_file_is_replaced_only_when_the_user_agrees(saved, tmp_path):
    target = tmp_path / "notes.md"
    target.write_text("my own notes\n", encoding="utf-8")
    kept = export(saved, "-o", str(target), input="n\n")
    assert kept.exit_code == 0 and f"Replace {target}?" in kept.output
    assert target.read_text(encoding="utf-8") == "my own notes\n"
    replaced = export(saved, "-o", str(target), input="y\n")
    assert replaced.exit_code == 0 and f"Wrote {target}" in replaced.output
    assert "What is 6 × 7?" in target.read_text(encoding="utf-8")
    assert export(saved, "-o", str(target), "--yes").exit_code == 0


def test_nothing_is_written_anywhere_in_the_sessions_directory(store, saved, tmp_path):
    inside = store.root / ".locks" / "export.md"
    link = tmp_path / "innocent.md"
    link.symlink_to(store.path_for(saved))
    before = store.path_for(saved).read_bytes()
    for target in (inside, link):
        result = export(saved, "-o", str(target), "--yes")
        assert result.exit_code == 2
        assert "is in the sessions directory" in result.stderr
    assert not inside.exists()
    assert store.path_for(saved).read_bytes() == before


def test_a_failed_write_leaves_the_old_file_whole(saved, tmp_path, monkeypatch):
    (tmp_path / "out").mkdir()
    target = tmp_path / "out" / "notes.md"
    target.write_text("my own notes\n", encoding="utf-8")

    def disk_full(fd):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(os, "fsync", disk_full)
    result = export(saved, "-o", str(target), "--yes")
    assert result.exit_code == 2
    assert result.stderr.splitlines() == [
        f"qwen-chat: error: cannot write {target}: No space left on device"
    ]
    assert target.read_text(encoding="utf-8") == "my own notes\n"
    assert [p.name for p in target.parent.iterdir()] == ["notes.md"]
