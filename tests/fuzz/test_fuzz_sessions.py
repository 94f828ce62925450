"""Random bytes, random JSON and random truncations fed to the session loader: every
outcome is a session or a SessionError, never another exception, and a truncation loses
only the line it cut."""

from __future__ import annotations

import json
import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from qwen_tui.chat.messages import Message, Role
from qwen_tui.sessions import SessionError, SessionStore
from qwen_tui.sessions.loader import load_session_file
from qwen_tui.sessions.summary import summarize
from tests.sessions.helpers import record, sample_conversation

SESSION_ID = "260101-0000-fuzz"
FUZZ = settings(
    max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=20,
)
EVENT = st.fixed_dictionaries(
    {"type": st.sampled_from(["user", "assistant", "rename", "resume", "session", "x"])},
    optional={
        "content": JSON,
        "answer": JSON,
        "thinking": JSON,
        "title": JSON,
        "timeline": JSON,
        "stats": JSON,
        "mode": JSON,
        "finish_reason": JSON,
    },
)


def _good_session() -> bytes:
    """A recorded session's file, made once in a folder of its own."""
    with tempfile.TemporaryDirectory() as folder:
        store = SessionStore(Path(folder))
        return store.path_for(record(store, sample_conversation())).read_bytes()


GOOD = _good_session()
GOOD_MESSAGES = sample_conversation().messages


def _outcome(path: Path):
    """The loaded session, or None for a SessionError; anything else fails the test."""
    summary = summarize(SESSION_ID, path)  # the list row never raises
    assert summary.id == SESSION_ID
    try:
        return load_session_file(path)
    except SessionError as exc:
        assert "\n" not in str(exc)
        return None


@FUZZ
@given(data=st.binary(max_size=3000))
def test_random_bytes_load_or_give_a_session_error(tmp_path, data):
    path = tmp_path / f"{SESSION_ID}.jsonl"
    path.write_bytes(data)
    _outcome(path)


@FUZZ
@given(data=st.binary(min_size=1, max_size=40), at=st.integers(0, len(GOOD) - 1))
def test_damaged_bytes_in_a_good_session(tmp_path, data, at):
    path = tmp_path / f"{SESSION_ID}.jsonl"
    path.write_bytes(GOOD[:at] + data + GOOD[at + len(data) :])
    _outcome(path)


@FUZZ
@given(events=st.lists(EVENT | JSON, max_size=6))
def test_random_events_after_good_lines_keep_the_good_ones(tmp_path, events):
    path = tmp_path / f"{SESSION_ID}.jsonl"
    lines = b"".join(json.dumps(e).encode() + b"\n" for e in events)
    path.write_bytes(GOOD + lines)
    session = _outcome(path)
    if session is not None:
        assert session.conversation.messages[: len(GOOD_MESSAGES)] == GOOD_MESSAGES


@FUZZ
@given(cut=st.integers(0, len(GOOD)))
def test_a_truncation_loses_only_the_line_it_cut(tmp_path, cut):
    store = SessionStore(tmp_path / "sessions")
    store.root.mkdir(exist_ok=True)
    path = store.path_for(SESSION_ID)
    path.write_bytes(GOOD[:cut])
    # A line survives if all its content does (its newline may be what was cut).
    ends = [i for i, byte in enumerate(GOOD) if byte == ord("\n")]
    whole = sum(1 for end in ends if end <= cut)
    if whole == 0:
        assert _outcome(path) is None  # not even the header
        return
    kept = GOOD_MESSAGES[: whole - 1]
    assert _outcome(path).conversation.messages == kept
    with store.open_for_append(SESSION_ID) as recorder:
        recorder.record_user(Message(Role.USER, "after the cut"))
    again = store.load(SESSION_ID)
    assert again.conversation.messages == [*kept, Message(Role.USER, "after the cut")]
    assert again.warnings == []
