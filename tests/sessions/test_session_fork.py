"""A forked session (a past message edited and sent again) through the session commands:
`sessions list`, `show`, `export`, `resume`, and the list's cache; files written before
forks existed still load, and a damaged `fork` line is reported, naming its line."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from qwen_tui.chat.fork_origin import ForkOrigin
from qwen_tui.chat.messages import Message, Role
from qwen_tui.cli import app
from qwen_tui.config import Settings
from qwen_tui.sessions import SessionCorrupt, SessionStore, summary_index
from qwen_tui.sessions.export import export_session
from tests.sessions.helpers import assistant, record, sample_conversation

runner = CliRunner()


def run(*args: str, columns: int = 200):
    return runner.invoke(app, list(args), env={"COLUMNS": str(columns)})


def fork_of(store: SessionStore, original: str, number: int, edited: str, reply: str) -> str:
    """Fork `original` at its user message `number` as the chat does: a new session whose
    file holds the `fork` event, the history before that message, then the new turn."""
    session = store.load(original)
    users = [i for i, m in enumerate(session.conversation.messages) if m.role is Role.USER]
    history = session.conversation.messages[: users[number - 1]]
    settings = Settings(system_prompt=session.conversation.system_prompt)
    with store.create(settings, engine_name="demo", model_name="demo-model") as recorder:
        recorder.note_fork(ForkOrigin(original, number))
        recorder.note_history(history)
        recorder.record_user(Message(Role.USER, edited))
        recorder.record_assistant(assistant(reply))
        return recorder.session_id


@pytest.fixture
def original(store) -> str:
    return record(store, sample_conversation())


@pytest.fixture
def fork(store, original) -> str:
    return fork_of(store, original, 2, "And in French? /no_think", "Quarante-deux.")


def test_the_fork_holds_the_history_before_the_edit_and_its_origin(store, original, fork):
    session = store.load(fork)
    assert session.forked_from == ForkOrigin(original, 2)
    assert [m.content for m in session.conversation.messages] == [
        "What is 6 × 7? /think",
        "**42**",
        "And in French? /no_think",
        "Quarante-deux.",
    ]
    assert session.conversation.messages[1].thinking == "Six sevens: 7+7=14, ×3 = 42. 好."
    assert session.conversation.system_prompt == "Be brief."
    assert store.load(original).forked_from is None


def test_list_marks_the_fork_with_where_it_came_from(original, fork):
    for columns in (200, 80):  # the table, and one title a line
        result = run("sessions", "list", columns=columns)
        assert result.exit_code == 0, result.output
        listing = " ".join(result.output.split())
        assert f"⑂ Forked from session {original} at message 2" in listing
        assert listing.count("⑂") == 1  # the original is no fork


def test_show_prints_the_mark_and_the_whole_history(original, fork):
    result = run("sessions", "show", fork)
    assert result.exit_code == 0, result.output
    assert f"⑂ Forked from session {original} at message 2" in result.output
    for text in ("What is 6 × 7?", "42", "And in French?", "Quarante-deux."):
        assert text in result.output
    assert "⑂" not in run("sessions", "show", original).output


def test_export_gives_the_origin_in_markdown_and_json(store, original, fork):
    markdown = run("sessions", "export", fork, "--format", "md")
    assert markdown.exit_code == 0, markdown.output
    assert f"- ⑂ Forked from session {original} at message 2" in markdown.output
    document = json.loads(export_session(store.load(fork), "json"))
    assert document["forked_from"] == {"session": original, "message": 2}
    assert [m["content"] for m in document["messages"]][-1] == "Quarante-deux."
    assert json.loads(export_session(store.load(original), "json"))["forked_from"] is None


def test_resume_of_a_fork_opens_it_with_its_mark_and_appends_to_the_fork(
    store, original, fork, fake_ui, fast_demo
):
    original_bytes = store.path_for(original).read_bytes()

    def chat_one_more_turn(kwargs):
        recorder = kwargs["recorder_factory"](kwargs["settings"], kwargs["engine"])
        recorder.record_user(Message(Role.USER, "And in German?"))
        recorder.record_assistant(assistant("Zweiundvierzig."))

    fake_ui.during = chat_one_more_turn
    result = run("resume", fork, "--engine", "demo")
    assert result.exit_code == 0, result.output
    conversation = fake_ui.calls[0]["conversation"]
    assert conversation.forked_from == ForkOrigin(original, 2)
    assert [m.content for m in conversation.user_messages] == [
        "What is 6 × 7? /think",
        "And in French? /no_think",
    ]
    session = store.load(fork)
    assert session.forked_from == ForkOrigin(original, 2) and session.turns == 3
    assert store.path_for(original).read_bytes() == original_bytes


def test_the_cached_list_keeps_the_mark_and_rows_cached_before_forks_are_read_again(
    store, original, fork, monkeypatch
):
    monkeypatch.setattr(summary_index, "_SETTLED_NS", -(10**12))  # every file is settled
    listed = {s.id: s for s in store.list()}
    cached = {s.id: s for s in store.list()}
    assert cached == listed and cached[fork].fork == ForkOrigin(original, 2)

    # A cache written by a version without forks: its rows lack the fork's fields.
    index = store.root / summary_index.INDEX_NAME
    data = json.loads(index.read_text(encoding="utf-8"))
    for entry in data["sessions"].values():
        del entry["row"]["forked_from"], entry["row"]["forked_at"]
    index.write_text(json.dumps(data), encoding="utf-8")
    again = {s.id: s for s in store.list()}
    assert again[fork].fork == ForkOrigin(original, 2) and again[original].fork is None


OLD_FILE = (
    '{"type":"session","schema":1,"id":"250101-1200-old1","created":"2025-01-01T12:00:00+00:00",'
    '"model":"Qwen3-30B-A3B-GPTQ-Int4","engine":"local","settings":{"system_prompt":""},'
    '"replay_of":null,"app_version":"0.1.0"}\n'
    '{"type":"user","at":"2025-01-01T12:00:01+00:00","content":"Hello"}\n'
    '{"type":"assistant","at":"2025-01-01T12:00:02+00:00","thinking":"Greet.","answer":"Hi!",'
    '"thinking_finished":true,"mode":null,"sampling":null,"finish_reason":"stop","stats":null,'
    '"timeline":[]}\n'
    '{"type":"rename","at":"2025-01-01T12:00:03+00:00","title":"Greetings"}\n'
)


def test_a_session_written_before_forks_existed_still_loads_lists_and_exports(store):
    path = store.path_for("250101-1200-old1")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(OLD_FILE, encoding="utf-8")
    session = store.load("250101-1200-old1")
    assert session.forked_from is None and session.title == "Greetings"
    assert [m.content for m in session.conversation.messages] == ["Hello", "Hi!"]
    (summary,) = store.list()
    assert summary.fork is None and summary.turns == 1
    assert json.loads(export_session(session, "json"))["forked_from"] is None
    result = run("sessions", "show", "250101-1200-old1")
    assert result.exit_code == 0 and "Hi!" in result.output and "⑂" not in result.output


def test_a_damaged_fork_line_is_reported_with_its_line(store, fork):
    path = store.path_for(fork)
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    assert json.loads(lines[1])["type"] == "fork"
    lines[1] = lines[1].replace('"message":2', '"message":"two"')
    path.write_text("".join(lines), encoding="utf-8")
    with pytest.raises(SessionCorrupt, match="line 2: malformed fork event"):
        store.load(fork)
    result = run("sessions", "show", fork)
    assert result.exit_code == 2 and "line 2: malformed fork event" in result.output
