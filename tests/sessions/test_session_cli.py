"""The session commands as a user runs them: sessions list/show/export/delete, resume,
replay and play (the UI replaced by a stand-in that records how it was called)."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from qwen_tui.chat.messages import Message, Role
from qwen_tui.cli import app
from qwen_tui.engine.scripted.playback import PlaybackEngine
from tests.sessions.helpers import assistant, record, sample_conversation

runner = CliRunner()


def run(*args: str, input: str | None = None):
    return runner.invoke(app, list(args), input=input)


@pytest.fixture
def saved(store) -> str:
    return record(store, sample_conversation())


def test_list_says_how_to_start_when_there_are_none():
    result = run("sessions", "list")
    assert result.exit_code == 0
    assert "No sessions yet" in result.output


def test_list_shows_id_title_date_turns_model_and_flags_broken_files(store, saved):
    broken = record(store, sample_conversation())
    path = store.path_for(broken)
    path.write_text("garbage\n" + path.read_text(encoding="utf-8"), encoding="utf-8")
    result = runner.invoke(app, ["sessions", "list"], env={"COLUMNS": "200"})
    assert result.exit_code == 0
    row = next(line for line in result.output.splitlines() if saved in line)
    assert "What is 6 × 7?" in row and "demo-model" in row and " 2 " in row
    broken_row = next(line for line in result.output.splitlines() if broken in line)
    assert "unreadable" in broken_row and "line 1" in broken_row


def test_show_prints_the_transcript_and_thinking_on_request(saved):
    plain = run("sessions", "show", saved)
    assert plain.exit_code == 0
    assert "What is 6 × 7?" in plain.output and "Forty-two." in plain.output
    assert "Six sevens" not in plain.output
    with_thinking = run("sessions", "show", saved.rsplit("-", 1)[1], "--thinking")
    assert "Six sevens" in with_thinking.output


def test_unknown_id_is_a_one_line_error():
    result = run("sessions", "show", "nope")
    assert result.exit_code == 2
    assert result.output.strip().splitlines() == [
        "qwen-chat: error: no session matches 'nope'; `qwen-chat sessions list` shows them"
    ]


@pytest.mark.parametrize(
    ("line", "field", "value", "problem"),
    [
        (0, "replay_of", 5, "malformed session header ('replay_of' must be a session id)"),
        (
            2,
            "stats",
            {"decode_tokens_per_s": None},
            "malformed assistant event ('stats.decode_tokens_per_s' must be a number)",
        ),
    ],
)
def test_a_hand_edited_field_of_the_wrong_type_is_one_line(
    store, saved, line, field, value, problem
):
    path = store.path_for(saved)
    records = [json.loads(text) for text in path.read_text(encoding="utf-8").splitlines()]
    if field == "stats":
        value = records[line]["stats"] | value
    records[line][field] = value
    path.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    expected = (
        f"qwen-chat: error: {path}, line {line + 1}: {problem}; fix the file or delete "
        f"the session: `qwen-chat sessions delete {saved}`"
    )
    for command in ("show", "export"):
        result = run("sessions", command, saved)
        assert result.exit_code == 2
        assert result.output.splitlines() == [expected]
    listed = runner.invoke(app, ["sessions", "list"], env={"COLUMNS": "400"})
    assert listed.exit_code == 0 and "unreadable" in listed.output


def test_export_markdown_to_stdout_and_json_to_a_file(saved, tmp_path):
    md = run("sessions", "export", saved)
    assert md.exit_code == 0
    assert "<details>" in md.stdout and "Six sevens" in md.stdout
    target = tmp_path / "out.json"
    result = run("sessions", "export", saved, "--format", "json", "-o", str(target))
    assert result.exit_code == 0
    assert json.loads(target.read_text(encoding="utf-8"))["id"] == saved
    bad = run("sessions", "export", saved, "--format", "pdf")
    assert bad.exit_code == 2 and "use --format md or --format json" in bad.output


def test_export_takes_its_format_from_the_file_name_and_refuses_one_it_cannot_tell(saved, tmp_path):
    as_json = tmp_path / "notes.json"
    assert run("sessions", "export", saved, "-o", str(as_json)).exit_code == 0
    assert json.loads(as_json.read_text(encoding="utf-8"))["id"] == saved
    text = tmp_path / "notes.txt"
    refused = run("sessions", "export", saved, "-o", str(text))
    assert refused.exit_code == 2 and not text.exists()
    assert refused.output.splitlines() == [
        "qwen-chat: error: notes.txt names no export format; end it in .md or .json, "
        "or pass --format md"
    ]
    chosen = run("sessions", "export", saved, "--format", "md", "-o", str(text))
    assert chosen.exit_code == 0 and text.read_text(encoding="utf-8").startswith("# ")
    mismatch = run("sessions", "export", saved, "--format", "json", "-o", str(tmp_path / "a.md"))
    assert mismatch.exit_code == 2 and "a.md is a .md name" in mismatch.output


def test_sessions_alone_lists_them(saved):
    result = runner.invoke(app, ["sessions"], env={"COLUMNS": "200"})
    assert result.exit_code == 0 and saved in result.output


@pytest.mark.parametrize("columns", ["80", "60"])
def test_a_narrow_list_shows_each_title_whole_on_its_own_line(store, columns):
    conversation = sample_conversation()
    conversation.messages[0].content = "如何在 Python 中反转一个字符串？"
    saved = record(store, conversation)
    result = runner.invoke(app, ["sessions", "list"], env={"COLUMNS": columns})
    lines = result.output.splitlines()
    assert lines[0] == "如何在 Python 中反转一个字符串？"
    assert lines[1].startswith(f"  {saved} · ") and "1 turn" not in lines[1]


def test_export_never_overwrites_a_session_file(store, saved, monkeypatch):
    path = store.path_for(saved)
    before = path.read_bytes()
    monkeypatch.chdir(store.root)
    result = run("sessions", "export", saved, "-f", "json", "-o", path.name)
    assert result.exit_code == 2
    assert result.output.splitlines() == [
        f"qwen-chat: error: {path} is in the sessions directory, where it could replace a "
        "session; write the export elsewhere"
    ]
    assert path.read_bytes() == before


def test_delete_asks_first(store, saved):
    kept = run("sessions", "delete", saved, input="n\n")
    assert kept.exit_code == 0 and "Kept it." in kept.output
    assert store.ids() == [saved]
    gone = run("sessions", "delete", saved, input="y\n")
    assert gone.exit_code == 0 and store.ids() == []


def test_delete_with_yes_does_not_ask(store, saved):
    result = run("sessions", "delete", saved, "--yes")
    assert result.exit_code == 0 and f"Deleted session {saved}" in result.output
    assert store.ids() == []


def test_delete_removes_an_unreadable_session_that_list_flags(store, saved):
    path = store.path_for(saved)
    path.write_bytes(b"\x00\xff binary garbage\n")
    result = run("sessions", "delete", saved, input="y\n")
    assert result.exit_code == 0, result.output
    assert f"Delete unreadable session {saved}?" in result.output
    assert f"Deleted session {saved}." in result.output
    assert store.ids() == []


def test_resume_opens_the_latest_session_and_appends_to_it(store, saved, fake_ui, fast_demo):
    def chat_one_more_turn(kwargs):
        recorder = kwargs["recorder_factory"](kwargs["settings"], kwargs["engine"])
        recorder.record_user(Message(Role.USER, "one more"))
        recorder.record_assistant(assistant("sure"))

    fake_ui.during = chat_one_more_turn
    result = run("resume", "--engine", "demo")
    assert result.exit_code == 0, result.output
    call = fake_ui.calls[0]
    assert call["conversation"] == sample_conversation()
    assert call["settings"].system_prompt == "Be brief."
    session = store.load(saved)
    assert session.turns == 3 and session.conversation.last_assistant.content == "sure"
    assert store.ids() == [saved]


def test_resume_refuses_a_session_another_process_writes(store, saved, fake_ui, fast_demo):
    with store.open_for_append(saved):
        result = run("resume", saved, "--engine", "demo")
    assert result.exit_code == 2
    assert f"session {saved} is open in qwen-chat process" in result.output
    assert fake_ui.calls == []


def test_resume_without_sessions_says_how_to_start(fake_ui, fast_demo):
    result = run("resume", "--engine", "demo")
    assert result.exit_code == 2 and "no saved sessions yet" in result.output


def test_replay_print_sends_the_same_turns_into_a_linked_session(store, saved, fast_demo):
    result = run("replay", saved, "--print", "--engine", "demo", "--no-think")
    assert result.exit_code == 0, result.output
    assert "You: What is 6 × 7? /think" in result.output
    assert "You: And in words? /no_think" in result.output
    new_id = next(i for i in store.ids() if i != saved)
    replayed = store.load(new_id)
    assert replayed.replay_of == saved
    assert [m.content for m in replayed.conversation.user_messages] == [
        "What is 6 × 7? /think",
        "And in words? /no_think",
    ]
    # --no-think is the hard switch: no thinking even where the user wrote /think.
    assert all(not m.thinking for m in replayed.conversation.messages)
    assert f"Saved as session {new_id} (replay of {saved})" in result.output


def test_replay_takes_the_model_and_length_options_like_run(store, saved, fast_demo):
    result = run(
        "replay", saved, "--print", "--engine", "demo", "--device", "cpu", "--max-new-tokens", "5"
    )
    assert result.exit_code == 0, result.output
    new_id = next(i for i in store.ids() if i != saved)
    replies = store.load(new_id).conversation.messages[1::2]
    assert all(reply.settings.max_new_tokens == 5 for reply in replies)
    assert all(reply.stats.generated_tokens <= 5 for reply in replies)


def test_replay_in_the_ui_queues_the_user_turns_and_records_a_linked_session(
    store, saved, fake_ui, fast_demo
):
    fake_ui.during = lambda kwargs: kwargs["recorder_factory"](
        kwargs["settings"], kwargs["engine"]
    ).record_user(Message(Role.USER, "What is 6 × 7? /think"))
    result = run("replay", saved, "--engine", "demo")
    assert result.exit_code == 0, result.output
    call = fake_ui.calls[0]
    assert list(call["queued_prompts"]) == ["What is 6 × 7? /think", "And in words? /no_think"]
    assert call["conversation"].messages == []
    new_id = next(i for i in store.ids() if i != saved)
    assert store.load(new_id).replay_of == saved


def test_play_uses_the_recording_with_no_model_and_saves_nothing(store, saved, fake_ui):
    result = run("play", saved, "--speed", "4")
    assert result.exit_code == 0, result.output
    call = fake_ui.calls[0]
    engine = call["engine"]
    assert isinstance(engine, PlaybackEngine) and engine.speed == 4
    assert [t.answer for t in engine.turns] == ["**42**", "Forty-two."]
    assert list(call["queued_prompts"]) == ["What is 6 × 7? /think", "And in words? /no_think"]
    assert call["recorder_factory"](call["settings"], call["engine"]) is None
    assert store.ids() == [saved]


def test_play_rejects_a_speed_of_zero(saved, fake_ui):
    result = run("play", saved, "--speed", "0")
    assert result.exit_code == 2 and "--speed must be above 0" in result.output
    assert fake_ui.calls == []


def test_run_saves_its_exchange_as_a_session(store, fast_demo):
    result = run("run", "--engine", "demo", "How do I reverse a string?")
    assert result.exit_code == 0, result.output
    [session_id] = store.ids()
    session = store.load(session_id)
    assert session.title == "How do I reverse a string?"
    assert session.conversation.last_assistant.content.strip() in result.stdout


def test_run_no_save_leaves_no_session(store, fast_demo):
    result = run("run", "--engine", "demo", "--no-save", "Hi")
    assert result.exit_code == 0, result.output
    assert store.ids() == []


def test_run_resume_continues_a_session_with_its_history(store, saved, fast_demo):
    result = run("run", "--engine", "demo", "--resume", saved[-4:], "And in Roman numerals?")
    assert result.exit_code == 0, result.output
    session = store.load(saved)
    assert session.turns == 3
    assert session.conversation.user_messages[-1].content == "And in Roman numerals?"
    assert store.ids() == [saved]


def test_run_resume_of_an_unknown_session_is_one_line(fast_demo):
    result = run("run", "--engine", "demo", "--resume", "nope", "Hi")
    assert result.exit_code == 2
    assert result.stderr.strip().splitlines() == [
        "qwen-chat: error: no session matches 'nope'; `qwen-chat sessions list` shows them"
    ]
