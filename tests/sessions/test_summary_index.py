"""The sessions list keeps a cache of its rows: unchanged files are not read again, and
every change to a file (or to the cache itself) still shows in the list."""

from __future__ import annotations

import pytest

from qwen_tui.chat.messages import Message, Role
from qwen_tui.sessions import summary_index
from qwen_tui.sessions.summary_index import INDEX_NAME
from tests.sessions.helpers import record, sample_conversation


@pytest.fixture
def reads(monkeypatch):
    """The ids whose files the list read; files count as settled at once."""
    monkeypatch.setattr(summary_index, "_SETTLED_NS", -(10**12))
    read: list[str] = []
    real = summary_index.summarize

    def counted(session_id, path):
        read.append(session_id)
        return real(session_id, path)

    monkeypatch.setattr(summary_index, "summarize", counted)
    return read


def test_unchanged_sessions_are_not_read_again(store, reads):
    first, second = record(store, sample_conversation()), record(store, sample_conversation())
    rows = {s.id: (s.title, s.turns) for s in store.list()}
    assert sorted(reads) == sorted([first, second])
    reads.clear()
    assert {s.id: (s.title, s.turns) for s in store.list()} == rows
    assert reads == []
    with store.open_for_append(first) as recorder:
        recorder.record_user(Message(Role.USER, "a third question"))
        recorder.rename("Renamed")
    listed = {s.id: (s.title, s.turns) for s in store.list()}
    assert reads == [first] and listed[first] == ("Renamed", 3)
    store.delete(second)
    assert [s.id for s in store.list()] == [first]


@pytest.mark.parametrize(
    "damage",
    [
        lambda path: path.write_text("not json"),
        lambda path: path.write_text('{"version": 1, "sessions": {"x": 1}}'),
        lambda path: path.mkdir(),
    ],
    ids=["garbage", "wrong shape", "a directory"],
)
def test_a_damaged_cache_is_rebuilt_from_the_files(store, reads, damage):
    record(store, sample_conversation())
    expected = store.list()
    path = store.root / INDEX_NAME
    if path.exists():
        path.unlink()
    damage(path)
    assert store.list() == expected


def test_a_cached_row_of_the_wrong_type_is_read_again(store, reads):
    session_id = record(store, sample_conversation())
    store.list()
    path = store.root / INDEX_NAME
    path.write_text(path.read_text().replace('"turns": 2', '"turns": "2"'))
    reads.clear()
    assert store.list()[0].turns == 2 and reads == [session_id]


def test_a_same_size_edit_right_after_a_listing_is_seen(store):
    session_id = record(store, sample_conversation())
    assert store.list()[0].problem is None
    path = store.path_for(session_id)
    path.write_bytes(path.read_bytes().replace(b'"type":"session"', b'"type":"sessioN"'))
    assert "no session header" in store.list()[0].problem
