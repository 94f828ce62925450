"""`set` and `model` lines: what `/set` and `/model` change mid-conversation, saved as they
happen and read back when the session is opened again; older files, without them, load as
before."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from qwen_tui.chat.messages import Message, Role
from qwen_tui.cli import app
from qwen_tui.config import Settings
from qwen_tui.sessions import SessionCorrupt
from qwen_tui.sessions.export import export_session
from qwen_tui.sessions.replay import recorded_engine
from tests.sessions.helpers import assistant, record, sample_conversation


def append_lines(store, session_id: str, *records: dict) -> None:
    with open(store.path_for(session_id), "a", encoding="utf-8") as file:
        for line in records:
            file.write(json.dumps(line) + "\n")


def a_session_with_set_lines(store) -> str:
    session_id = record(store, sample_conversation())
    with store.open_for_append(session_id) as recorder:
        recorder.record_set("temperature", 0.3)
        recorder.record_set("thinking_budget", None)
        recorder.record_set("top_k", 5)
        recorder.record_reset("top_k")
        recorder.record_user(Message(Role.USER, "more"))
        recorder.record_assistant(assistant("yes"))
    return session_id


def test_set_lines_round_trip_into_the_conversation(store):
    session_id = a_session_with_set_lines(store)
    lines = store.path_for(session_id).read_text(encoding="utf-8").splitlines()
    sets = [json.loads(line) for line in lines if '"type":"set"' in line]
    assert [(s["name"], s.get("value"), s.get("default")) for s in sets] == [
        ("temperature", 0.3, None),
        ("thinking_budget", None, None),
        ("top_k", 5, None),
        ("top_k", None, True),
    ]
    session = store.load(session_id)
    assert session.conversation.tuning.values == {"temperature": 0.3, "thinking_budget": None}
    assert session.conversation.messages[-1].content == "yes"


def test_an_older_file_without_set_lines_loads_with_nothing_set(store):
    session_id = record(store, sample_conversation())
    assert '"type":"set"' not in store.path_for(session_id).read_text(encoding="utf-8")
    session = store.load(session_id)
    assert session.conversation == sample_conversation()
    assert session.conversation.tuning.values == {}


def test_a_setting_of_a_newer_version_is_skipped_and_a_bad_value_names_the_line(store):
    session_id = record(store, sample_conversation())
    append_lines(store, session_id, {"type": "set", "at": "x", "name": "top_a", "value": 0.2})
    assert store.load(session_id).conversation.tuning.values == {}
    append_lines(store, session_id, {"type": "set", "at": "x", "name": "top_p", "value": 7})
    with pytest.raises(SessionCorrupt, match=r"line 7: malformed set event \(top_p takes"):
        store.load(session_id)


def test_a_model_line_is_what_resume_goes_on_with_and_a_switch_alone_leaves_no_file(store):
    with store.create(Settings(), engine_name="local", model_name="/models/a") as recorder:
        recorder.record_model(
            settings=Settings(model="/models/b"), engine_name="local", model_name="/models/b"
        )
        path = recorder.path
    assert not path.exists()
    with store.create(Settings(), engine_name="local", model_name="/models/a") as recorder:
        recorder.record_model(
            settings=Settings(model="/models/b"), engine_name="local", model_name="/models/b"
        )
        recorder.record_user(Message(Role.USER, "hi"))
        session_id = recorder.session_id
    session = store.load(session_id)
    assert session.model == "/models/a"  # the header keeps what the session began with
    assert recorded_engine(session) == ("local", "/models/b", None)


def test_show_and_export_mention_what_set_left_set(store):
    session_id = a_session_with_set_lines(store)
    session = store.load(session_id)
    markdown = export_session(session, "md")
    assert "- Set with /set: temperature 0.3, thinking_budget off\n" in markdown
    document = json.loads(export_session(session, "json"))
    assert document["set"] == {"temperature": 0.3, "thinking_budget": None}
    shown = CliRunner().invoke(app, ["sessions", "show", session_id], env={"COLUMNS": "100"})
    assert shown.exit_code == 0, shown.output
    assert "set with /set: temperature 0.3, thinking_budget off" in shown.output


def test_resume_hands_the_chat_the_values_set_in_the_session(store, fake_ui, fast_demo):
    session_id = a_session_with_set_lines(store)
    result = CliRunner().invoke(app, ["resume", session_id, "--engine", "demo"])
    assert result.exit_code == 0, result.output
    conversation = fake_ui.calls[0]["conversation"]
    assert conversation.tuning.values == {"temperature": 0.3, "thinking_budget": None}


def test_run_resume_answers_with_the_values_set_in_the_session(store):
    session_id = a_session_with_set_lines(store)
    result = CliRunner().invoke(app, ["run", "--engine", "demo", "--resume", session_id, "Why?"])
    assert result.exit_code == 0, result.output
    reply = store.load(session_id).conversation.messages[-1]
    assert reply.settings is not None and reply.settings.sampling.temperature == 0.3


def replayed_after(store, session_id: str, *flags: str):
    result = CliRunner().invoke(app, ["replay", session_id, "--print", "--engine", "demo", *flags])
    assert result.exit_code == 0, result.output
    return store.load(next(i for i in store.ids() if i != session_id))


def test_replay_answers_with_the_values_set_in_the_session_and_keeps_them(store, fast_demo):
    replayed = replayed_after(store, a_session_with_set_lines(store))
    replies = [m for m in replayed.conversation.messages if m.role is Role.ASSISTANT]
    assert replies and all(r.settings.sampling.temperature == 0.3 for r in replies)
    # The replay's own session carries them, so resuming it goes on with them too.
    assert replayed.conversation.tuning.values == {"temperature": 0.3, "thinking_budget": None}


def test_a_flag_given_to_replay_wins_over_the_sessions_set_value(store, fast_demo):
    replayed = replayed_after(store, a_session_with_set_lines(store), "--temperature", "0.9")
    replies = [m for m in replayed.conversation.messages if m.role is Role.ASSISTANT]
    assert replies and all(r.settings.sampling.temperature == 0.9 for r in replies)
    assert replayed.conversation.tuning.values == {"thinking_budget": None}
