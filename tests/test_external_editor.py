"""The editor behind Ctrl+E, run for real: which one is chosen, the temporary file it
edits, and every way it can fail."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from qwen_tui.external_editor import EditorFailed, edit_text, editor_command


def script(folder: Path, name: str, body: str) -> Path:
    """An executable shell script `name` in `folder`."""
    folder.mkdir(exist_ok=True)
    path = folder / name
    path.write_text("#!/bin/sh\n" + body, encoding="utf-8")
    path.chmod(path.stat().st_mode | stat.S_IXUSR)
    return path


def environ(bin_dir: Path, **variables: str) -> dict[str, str]:
    return {"PATH": f"{bin_dir}{os.pathsep}/usr/bin{os.pathsep}/bin", **variables}


def test_editor_comes_first_with_its_arguments_then_visual(tmp_path):
    bin_dir = tmp_path / "bin"
    script(bin_dir, "myedit", "exit 0\n")
    script(bin_dir, "otheredit", "exit 0\n")
    assert editor_command(environ(bin_dir, EDITOR="myedit --wait '-c set ft=md'")) == [
        "myedit",
        "--wait",
        "-c set ft=md",
    ]
    assert editor_command(environ(bin_dir, EDITOR="myedit", VISUAL="otheredit")) == ["myedit"]
    assert editor_command(environ(bin_dir, EDITOR="  ", VISUAL="otheredit")) == ["otheredit"]


def test_without_either_variable_nano_then_vi(tmp_path):
    bin_dir = tmp_path / "bin"
    script(bin_dir, "vi", "exit 0\n")
    only_bin = {"PATH": str(bin_dir)}
    assert editor_command(only_bin) == ["vi"]
    script(bin_dir, "nano", "exit 0\n")
    assert editor_command(only_bin) == ["nano"]


def test_no_editor_at_all_or_a_missing_one_is_one_line_saying_what_to_do(tmp_path):
    empty = tmp_path / "empty"
    empty.mkdir()
    with pytest.raises(EditorFailed, match="^No editor found: set EDITOR"):
        editor_command({"PATH": str(empty)})
    with pytest.raises(EditorFailed, match=r"'emacsclient' \(\$VISUAL\) is not installed"):
        editor_command({"PATH": str(empty), "VISUAL": "emacsclient -t"})
    with pytest.raises(EditorFailed, match=r"\$EDITOR is not a command line"):
        editor_command({"PATH": str(empty), "EDITOR": "vim 'unclosed"})


def test_the_editor_edits_a_private_temporary_file_that_is_removed_after(tmp_path):
    seen = tmp_path / "seen"
    editor = script(
        tmp_path / "bin",
        "appender",
        f'echo "$1" > "{seen}"\nls -l "$1" >> "{seen}"\nprintf " and more\\n" >> "$1"\n',
    )
    assert edit_text("draft", [str(editor)], dict(os.environ)) == "draft and more"
    edited_path, listing = seen.read_text(encoding="utf-8").splitlines()
    assert edited_path.endswith(".md") and listing.startswith("-rw-------")
    assert not Path(edited_path).exists()


def test_unicode_and_lines_survive_the_round_trip(tmp_path):
    editor = script(tmp_path / "bin", "keep", "exit 0\n")
    text = "第一行\n\tindented line\n"
    assert edit_text(text, [str(editor)], dict(os.environ)) == "第一行\n\tindented line"


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("exit 4\n", "The editor exited with status 4; the message is unchanged."),
        (
            "printf '\\377\\376' > \"$1\"\n",
            "The edited message is not UTF-8 text; it is unchanged.",
        ),
        ('rm "$1"\n', "The edited message cannot be read back"),
    ],
)
def test_a_failing_editor_is_one_line(tmp_path, body, message):
    editor = script(tmp_path / "bin", "failing", body)
    with pytest.raises(EditorFailed) as failed:
        edit_text("draft", [str(editor)], dict(os.environ))
    assert str(failed.value).startswith(message) and "\n" not in str(failed.value)


def test_an_editor_that_cannot_start_is_one_line(tmp_path):
    not_executable = tmp_path / "plain.txt"
    not_executable.write_text("not a program", encoding="utf-8")
    with pytest.raises(EditorFailed, match="cannot start"):
        edit_text("draft", [str(not_executable)], dict(os.environ))
