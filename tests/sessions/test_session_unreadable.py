"""Session files that cannot be read (a directory, a FIFO, a device, a symbolic link that
loops, no permission, a line nested a thousand deep) give every command one line: `list`
shows them as unreadable beside the others, and `delete` can still remove them."""

from __future__ import annotations

import errno
import json
import os

import pytest
from typer.testing import CliRunner

from qwen_tui.cli import app
from tests.sessions.helpers import record, sample_conversation

BAD_ID = "260101-0000-bbbb"
NESTED = "[" * 1000 + "]" * 1000


def make_directory(path):
    path.mkdir()


def make_loop(path):
    path.symlink_to(path.name)


def make_fifo(path):
    os.mkfifo(path)


def make_device(path):
    path.symlink_to("/dev/zero")


def make_forbidden(path, monkeypatch, good):
    """A good session without read permission (simulated: the tests may run as root, whom
    file modes do not stop)."""
    path.write_bytes(good.read_bytes())
    real_open = os.open

    def denied(file, flags, *args, **kwargs):
        if os.fspath(file) == os.fspath(path):
            raise PermissionError(errno.EACCES, "Permission denied", os.fspath(file))
        return real_open(file, flags, *args, **kwargs)

    monkeypatch.setattr(os, "open", denied)


def make_nested(path):
    header = {"type": "session", "schema": 1, "id": BAD_ID, "created": "2026-01-01"}
    path.write_text(
        json.dumps(header) + "\n" + '{"type":"user","content":"hi","x":' + NESTED + "}\n",
        encoding="utf-8",
    )


KINDS = {
    "directory": (make_directory, "a directory, not a regular file"),
    "symlink loop": (make_loop, "a symbolic link that loops"),
    "fifo": (make_fifo, "a named pipe (FIFO), not a regular file"),
    "device": (make_device, "a character device, not a regular file"),
    "forbidden": (make_forbidden, "cannot read it (Permission denied)"),
    "nested": (make_nested, "line 2: not a session event (nested"),
}


@pytest.fixture(params=sorted(KINDS))
def bad(request, store, monkeypatch):
    """(the unreadable session's path, the words its error holds); a good session too."""
    good = store.path_for(record(store, sample_conversation()))
    path = store.root / f"{BAD_ID}.jsonl"
    make, words = KINDS[request.param]
    if make is make_forbidden:
        make(path, monkeypatch, good)
    else:
        make(path)
    return path, words


def run(*args: str, input: str | None = None):
    return CliRunner().invoke(app, list(args), input=input, env={"COLUMNS": "400"})


def test_list_flags_it_and_still_lists_the_others(store, bad):
    path, words = bad
    result = run("sessions", "list")
    assert result.exit_code == 0, result.output
    row = next(line for line in result.output.splitlines() if BAD_ID in line)
    assert "unreadable" in row and words in row
    assert "What is 6 × 7?" in result.output


@pytest.mark.parametrize(
    "command",
    [
        ("sessions", "show", BAD_ID),
        ("sessions", "export", BAD_ID),
        ("run", "--engine", "demo", "--resume", BAD_ID, "Hello"),
        ("replay", BAD_ID, "--print", "--engine", "demo"),
        ("play", BAD_ID),
        ("resume", BAD_ID, "--engine", "demo"),
    ],
    ids=lambda command: " ".join(command[:2]),
)
def test_every_command_gives_one_line(store, bad, fake_ui, fast_demo, command):
    path, words = bad
    result = run(*command)
    assert result.exit_code == 2, result.output
    [line] = result.stderr.splitlines()
    assert line.startswith("qwen-chat: error: ") and str(path) in line
    assert fake_ui.calls == []
    assert BAD_ID in store.ids()


def test_delete_removes_it_and_a_directory_is_one_line(store, bad):
    path, _ = bad
    result = run("sessions", "delete", BAD_ID, "--yes")
    if path.is_dir() and not path.is_symlink():
        assert result.exit_code == 2
        [line] = result.stderr.splitlines()
        assert "cannot delete" in line and "Is a directory" in line
        return
    assert result.exit_code == 0, result.output
    assert f"Deleted session {BAD_ID}." in result.output
    assert not os.path.lexists(path)
    assert len(store.ids()) == 1


def test_a_session_is_deleted_only_by_its_whole_id_or_suffix(store):
    session_id = record(store, sample_conversation())
    suffix = session_id.rsplit("-", 1)[1]
    for part in (session_id[:1], session_id[:8], suffix[:2]):
        result = run("sessions", "delete", part, "--yes")
        assert result.exit_code == 2
        assert result.stderr.splitlines() == [
            f"qwen-chat: error: '{part}' is only the start of a session id; give the whole "
            "id or its last part (`qwen-chat sessions list` shows them)"
        ]
    assert store.ids() == [session_id]
    assert run("sessions", "show", suffix[:2]).exit_code == 0  # showing takes a start
    assert run("sessions", "delete", suffix, "--yes").exit_code == 0
    assert store.ids() == []


def test_a_deeply_nested_reply_is_one_line_wherever_the_session_is_read(store, fake_ui):
    session_id = record(store, sample_conversation())
    path = store.path_for(session_id)
    with open(path, "a", encoding="utf-8") as file:
        file.write('{"type":"user","content":"again"}\n')
        file.write('{"type":"assistant","answer":"x","thinking":"","finish_reason":')
        file.write("[" * 990 + "]" * 990 + "}\n")
    assert session_id in run("sessions", "list").output
    for command in (("sessions", "show"), ("sessions", "export"), ("play",), ("resume",)):
        result = run(*command, session_id)
        assert result.exit_code == 2, result.output
        [line] = result.stderr.splitlines()
        assert "line 7" in line and "nested too deeply" in line
    assert run("sessions", "delete", session_id, "--yes").exit_code == 0
