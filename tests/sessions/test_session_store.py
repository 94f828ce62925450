"""Saving and loading sessions: round trip, damaged files, locking, ids, list and rename."""

from __future__ import annotations

import json
import os

import pytest

from qwen_tui.chat.messages import Message, Role
from qwen_tui.config import Settings
from qwen_tui.sessions import (
    SessionCorrupt,
    SessionError,
    SessionLocked,
    SessionNotFound,
    SessionTooNew,
)
from tests.sessions.helpers import assistant, record, sample_conversation


def test_round_trip_keeps_the_conversation_thinking_included(store):
    conversation = sample_conversation()
    session = store.load(record(store, conversation))
    assert session.conversation == conversation
    assert session.conversation.messages[1].thinking == "Six sevens: 7+7=14, ×3 = 42. 好."
    assert session.title == "What is 6 × 7? /think"
    assert (session.engine, session.model, session.turns) == ("demo", "demo-model", 2)
    assert session.warnings == []


def test_a_reply_ended_by_the_thinking_budget_says_so_after_loading(store):
    conversation = sample_conversation()
    conversation.messages[1].thinking_budget_reached = True
    session_id = record(store, conversation)
    loaded = store.load(session_id).conversation.messages
    assert [m.thinking_budget_reached for m in loaded[1::2]] == [True, False]
    lines = store.path_for(session_id).read_text(encoding="utf-8").splitlines()
    assert "thinking_budget_reached" not in lines[4]  # older readers see the same file


def test_sessions_live_in_the_data_dir_one_jsonl_file_each(store, isolated_dirs):
    first = record(store, sample_conversation())
    second = record(store, sample_conversation())
    files = sorted(p.name for p in (isolated_dirs / "data" / "sessions").glob("*.jsonl"))
    assert files == sorted([f"{first}.jsonl", f"{second}.jsonl"])


def test_file_is_a_header_then_one_event_per_line(store):
    path = store.path_for(record(store, sample_conversation()))
    lines = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
    assert [line["type"] for line in lines] == ["session"] + ["user", "assistant"] * 2
    header, reply = lines[0], lines[2]
    assert header["schema"] == 1 and header["settings"]["system_prompt"] == "Be brief."
    assert reply["thinking"].startswith("Six sevens") and reply["answer"] == "**42**"
    assert reply["mode"] == {"enable_thinking": True, "thinking": True, "max_new_tokens": 512}
    assert reply["stats"]["time_to_first_token_s"] == 0.25
    assert reply["finish_reason"] == "stop"


def test_torn_last_line_is_skipped_with_a_warning(store):
    session_id = record(store, sample_conversation())
    path = store.path_for(session_id)
    with open(path, "ab") as file:
        file.write(b'{"type":"user","at":"2026-01-01T00:00:00+00:00","cont')
    session = store.load(session_id)
    assert session.turns == 2
    assert len(session.warnings) == 1 and "line 6" in session.warnings[0]


def test_appending_after_a_torn_line_drops_it_and_keeps_the_file_loadable(store):
    session_id = record(store, sample_conversation())
    path = store.path_for(session_id)
    with open(path, "ab") as file:
        file.write(b'{"type":"assistant","thin')
    with store.open_for_append(session_id) as recorder:
        recorder.record_user(Message(Role.USER, "third question"))
    session = store.load(session_id)
    assert session.warnings == []
    assert [m.content for m in session.conversation.user_messages][-1] == "third question"
    assert not list(path.parent.glob("*.tmp"))


def test_corrupt_middle_line_names_file_and_line_and_others_still_list(store):
    good = record(store, sample_conversation())
    bad = record(store, sample_conversation())
    path = store.path_for(bad)
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    lines[2] = "this is not json\n"
    path.write_text("".join(lines), encoding="utf-8")

    with pytest.raises(SessionCorrupt) as caught:
        store.load(bad)
    message = str(caught.value)
    assert str(path) in message and "line 3" in message and "\n" not in message

    summaries = {s.id: s for s in store.list()}
    assert summaries[good].problem is None and summaries[good].turns == 2
    assert "line 3" in summaries[bad].problem
    assert store.latest_id() == good


def test_malformed_event_is_an_error_naming_the_line(store):
    session_id = record(store, sample_conversation())
    path = store.path_for(session_id)
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    lines[1] = json.dumps({"type": "user", "content": 42}) + "\n"
    path.write_text("".join(lines), encoding="utf-8")
    with pytest.raises(SessionCorrupt, match="line 2: malformed user event"):
        store.load(session_id)


def test_foreign_file_is_refused_clearly(store):
    store.root.mkdir(parents=True)
    path = store.root / "261128-0000-aaaa.jsonl"
    path.write_text('{"hello": "world"}\n{"x": 1}\n', encoding="utf-8")
    with pytest.raises(SessionCorrupt, match="line 1: no session header"):
        store.load("261128-0000-aaaa")


def test_newer_schema_is_refused_politely(store):
    session_id = record(store, sample_conversation())
    path = store.path_for(session_id)
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    header = json.loads(lines[0]) | {"schema": 99}
    path.write_text(json.dumps(header) + "\n" + "".join(lines[1:]), encoding="utf-8")
    with pytest.raises(SessionTooNew, match="newer qwen-tui.*upgrade"):
        store.load(session_id)


def test_unknown_event_types_from_newer_minor_versions_are_skipped(store):
    session_id = record(store, sample_conversation())
    with open(store.path_for(session_id), "a", encoding="utf-8") as file:
        file.write('{"type": "bookmark", "at": "2026-01-01T00:00:00+00:00"}\n')
    assert store.load(session_id).conversation == sample_conversation()


def test_second_writer_gets_a_clear_error(store):
    session_id = record(store, sample_conversation())
    with store.open_for_append(session_id):
        with pytest.raises(SessionLocked, match=f"session {session_id} is open in qwen-chat"):
            store.open_for_append(session_id)
        with pytest.raises(SessionLocked):
            store.delete(session_id)
    with store.open_for_append(session_id) as again:
        again.record_user(Message(Role.USER, "after the lock was released"))
    assert store.load(session_id).turns == 3


def test_session_without_messages_leaves_no_file(store):
    recorder = store.create(Settings(), engine_name="demo", model_name="m")
    recorder.close()
    assert store.list() == []
    assert not list(store.root.rglob("*.lock"))


def test_rename_is_an_appended_event_and_sets_the_title(store):
    session_id = record(store, sample_conversation())
    before = store.path_for(session_id).read_bytes()
    store.rename(session_id, "  Arithmetic   with Qwen ")
    after = store.path_for(session_id).read_bytes()
    assert after.startswith(before)
    assert store.load(session_id).title == "Arithmetic with Qwen"
    assert store.list()[0].title == "Arithmetic with Qwen"


def test_title_comes_from_the_first_user_message_shortened(store):
    conversation = sample_conversation()
    conversation.messages[0].content = "Explain  the\nrules of " + "chess " * 30
    session = store.load(record(store, conversation))
    assert session.title.startswith("Explain the rules of chess")
    assert len(session.title) <= 60 and session.title.endswith("…")


def test_ids_are_short_and_unique_prefixes_find_them(store):
    first = record(store, sample_conversation())
    second = record(store, sample_conversation())
    assert first != second and len(first) == 16
    assert store.resolve(first) == first
    assert store.resolve(first.rsplit("-", 1)[1][:3]) in {first, second}
    with pytest.raises(SessionError, match="matches 2 sessions"):
        store.resolve(first[:6])
    with pytest.raises(SessionNotFound, match="sessions list"):
        store.resolve("zzzz-nothing")


def test_delete_removes_the_session(store):
    session_id = record(store, sample_conversation())
    store.delete(session_id)
    assert store.list() == []
    with pytest.raises(SessionNotFound):
        store.load(session_id)


def test_a_session_file_copied_by_hand_is_its_own_session(store):
    original = record(store, sample_conversation())
    copy = "261128-0700-copy"
    store.path_for(copy).write_bytes(store.path_for(original).read_bytes())
    before = store.path_for(original).read_bytes()
    found = store.load(copy)  # its header still names the original
    assert found.id == copy and {s.id for s in store.list()} == {original, copy}
    with store.open_for_append(found.id) as recorder:  # as `qwen-chat resume` continues it
        recorder.record_user(Message(Role.USER, "only in the copy"))
    assert store.path_for(original).read_bytes() == before
    assert store.load(copy).conversation.messages[-1].content == "only in the copy"


def test_resume_event_records_what_the_continued_run_uses(store):
    session_id = record(store, sample_conversation())
    settings = Settings(thinking=False)
    with store.open_for_append(session_id) as recorder:
        recorder.note_resume(settings=settings, engine_name="local", model_name="qwen")
        recorder.record_user(Message(Role.USER, "more"))
        recorder.record_assistant(assistant("yes"))
    lines = store.path_for(session_id).read_text(encoding="utf-8").splitlines()
    resume = json.loads(lines[-3])
    assert resume["type"] == "resume" and resume["engine"] == "local"
    assert resume["settings"]["thinking"] is False
    session = store.load(session_id)
    assert session.conversation.messages[-1].content == "yes"
    assert session.conversation.system_prompt == "Be brief."
    assert session.engine == "demo"  # the header keeps what the session began with


def test_continuing_without_new_messages_leaves_the_file_untouched(store):
    session_id = record(store, sample_conversation())
    before = store.path_for(session_id).read_bytes()
    recorder = store.open_for_append(session_id)
    recorder.note_resume(settings=Settings(), engine_name="demo", model_name="m")
    recorder.close()
    assert store.path_for(session_id).read_bytes() == before


def test_a_reply_s_thinking_token_count_is_kept_and_files_without_it_still_load(store):
    conversation = sample_conversation()
    conversation.messages[1].thinking_tokens = 850
    session_id = record(store, conversation)
    assert store.load(session_id).conversation.messages[1].thinking_tokens == 850
    path = store.path_for(session_id)
    lines = [json.loads(line) for line in path.read_text().splitlines()]
    for line in lines:
        line.pop("thinking_tokens", None)  # as an older qwen-tui wrote it
    path.write_text("".join(json.dumps(line) + "\n" for line in lines))
    assert store.load(session_id).conversation.messages[1].thinking_tokens is None


def test_renaming_a_session_does_not_move_it_to_the_top_of_the_list(store):
    older = record(store, sample_conversation())
    newer = record(store, sample_conversation())
    os.utime(store.path_for(older), (1_700_000_000, 1_700_000_000))
    assert [s.id for s in store.list()] == [newer, older]
    store.rename(older, "Renamed later")
    assert [(s.id, s.title) for s in store.list()][1] == (older, "Renamed later")
