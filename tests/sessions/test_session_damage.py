"""Damaged session files lose nothing: a complete line is never deleted, a torn one is
dropped in place (on a full disk too), and files that must not be written are refused."""

from __future__ import annotations

import errno
import os
import stat

import pytest
from typer.testing import CliRunner

from qwen_tui.chat.messages import Message, Role
from qwen_tui.cli import app
from qwen_tui.sessions import SessionCorrupt, SessionWriteError
from tests.recording_engine import RecordingEngine
from tests.sessions.helpers import record, sample_conversation

TORN = b'{"type":"user","at":"2026-01-01T00:00:00+00:00","content":"cut of'


@pytest.fixture
def demo_engine(monkeypatch):
    import qwen_tui.engine.factory as factory

    monkeypatch.setattr(factory, "create_engine", lambda settings: RecordingEngine())


def resume(session_id: str, prompt: str = "One more question"):
    return CliRunner().invoke(app, ["run", "--engine", "demo", "--resume", session_id, prompt])


@pytest.fixture
def full_disk(monkeypatch):
    """Call it to fill the disk: from then on the first write to a session file gets half
    its bytes written, and every later one raises ENOSPC (other files write as usual)."""
    real_write = os.write
    calls = []

    def write(fd, data):
        if not os.readlink(f"/proc/self/fd/{fd}").endswith(".jsonl"):
            return real_write(fd, data)
        calls.append(len(data))
        if len(calls) == 1 and len(data) > 1:
            return real_write(fd, bytes(data[: len(data) // 2]))
        raise OSError(errno.ENOSPC, "No space left on device")

    return lambda: monkeypatch.setattr(os, "write", write)


def test_a_damaged_complete_last_line_is_an_error_and_stays_in_the_file(store, demo_engine):
    session_id = record(store, sample_conversation())
    path = store.path_for(session_id)
    lines = path.read_bytes().splitlines(keepends=True)
    lines[-1] = lines[-1].replace(b"Forty", b"F\xffrty")  # one bad byte, newline kept
    path.write_bytes(b"".join(lines))
    before = path.read_bytes()

    with pytest.raises(SessionCorrupt, match=f"line {len(lines)}: not a session event"):
        store.load(session_id)
    result = resume(session_id)
    assert result.exit_code == 2
    [line] = result.stderr.splitlines()
    assert f"line {len(lines)}" in line and "cut off" not in line
    assert path.read_bytes() == before


def test_a_torn_last_line_is_dropped_in_place(store):
    session_id = record(store, sample_conversation())
    path = store.path_for(session_id)
    good = path.read_bytes()
    with open(path, "ab") as file:
        file.write(TORN)
    inode = path.stat().st_ino
    with store.open_for_append(session_id) as recorder:
        recorder.record_user(Message(Role.USER, "third question"))
    assert path.stat().st_ino == inode
    assert path.read_bytes().startswith(good) and TORN not in path.read_bytes()
    assert store.load(session_id).conversation.messages[-1].content == "third question"


def test_resuming_on_a_full_disk_is_one_line_and_leaves_the_session_as_it_was(
    store, demo_engine, full_disk
):
    session_id = record(store, sample_conversation())
    path = store.path_for(session_id)
    good = path.read_bytes()
    with open(path, "ab") as file:
        file.write(TORN)
    full_disk()
    result = resume(session_id)
    assert result.exit_code == 2
    [line] = result.stderr.splitlines()
    assert line.startswith(f"qwen-chat: error: could not save session {session_id}")
    assert "No space left on device" in line
    assert path.read_bytes() == good  # the torn line gone, the half-written one too
    assert store.load(session_id).conversation == sample_conversation()
    assert sorted(p.name for p in path.parent.iterdir()) == [".locks", path.name]


def test_a_new_session_on_a_full_disk_leaves_no_file(store, demo_engine, full_disk):
    full_disk()
    result = CliRunner().invoke(app, ["run", "--engine", "demo", "Hello"])
    assert result.exit_code == 2
    assert len(result.stderr.splitlines()) == 1
    assert store.ids() == []


def test_a_read_only_session_is_refused_and_keeps_its_mode(store, demo_engine):
    session_id = record(store, sample_conversation())
    path = store.path_for(session_id)
    with open(path, "ab") as file:
        file.write(TORN)
    path.chmod(0o444)
    before = path.read_bytes()
    result = resume(session_id)
    assert result.exit_code == 2
    assert result.stderr.splitlines() == [
        f"qwen-chat: error: session {session_id} is read-only (its file {path} has mode "
        "0444); make it writable (chmod u+w) to continue it"
    ]
    assert stat.S_IMODE(path.stat().st_mode) == 0o444
    assert path.read_bytes() == before


def test_a_symlinked_session_file_is_never_written_through(store, demo_engine, tmp_path):
    session_id = record(store, sample_conversation())
    path = store.path_for(session_id)
    outside = tmp_path / "elsewhere.jsonl"
    path.rename(outside)
    path.symlink_to(outside)
    before = outside.read_bytes()
    result = resume(session_id)
    assert result.exit_code == 2
    [line] = result.stderr.splitlines()
    assert "is a symbolic link" in line
    assert outside.read_bytes() == before
    with pytest.raises(SessionWriteError, match="symbolic link"):
        store.rename(session_id, "new title")
    assert outside.read_bytes() == before
