"""Session text that tries to drive the terminal (a hostile reply, title or model name)
reaches `sessions list/show/export/delete`, `replay --print` and `run` only as visible
marks; `export -o` and JSON keep the exact text."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from qwen_tui.chat.messages import Conversation
from qwen_tui.cli import app
from tests.hostile_text import (
    HOSTILE,
    MARKDOWN_TRICKS,
    HostileReplyEngine,
    assert_shown_safely,
    forbidden_in,
)
from tests.sessions.helpers import record

TITLE = "T\x1b]2;PWNED\x07\x9b2J\u202eevil"
TITLE_SHOWN = "T␛]2;PWNED␇<U+009B>2J<U+202E>evil"
MODEL = "m\x1b]52;c;aGk=\x07"
WIDE = {"COLUMNS": "400"}


def run(*args: str, input: str | None = None):
    return CliRunner().invoke(app, list(args), input=input, env=WIDE)


@pytest.fixture
def hostile(store) -> str:
    conversation = Conversation(system_prompt=HOSTILE)
    conversation.add_user(HOSTILE)
    conversation.add_assistant(HOSTILE + MARKDOWN_TRICKS, HOSTILE)
    session_id = record(store, conversation, model_name=MODEL)
    store.rename(session_id, TITLE)
    return session_id


@pytest.fixture
def hostile_engine(monkeypatch):
    import qwen_tui.engine.factory as factory

    monkeypatch.setattr(factory, "create_engine", lambda settings: HostileReplyEngine())


def test_list_shows_title_and_model_as_marks(hostile):
    result = run("sessions", "list")
    assert result.exit_code == 0
    assert forbidden_in(result.output) == []
    assert TITLE_SHOWN in result.output and "m␛]52;c;aGk=␇" in result.output


def test_show_prints_every_part_of_the_transcript_as_marks(hostile):
    result = run("sessions", "show", hostile, "--thinking")
    assert result.exit_code == 0
    assert_shown_safely(result.output)
    assert TITLE_SHOWN in result.output
    # Markdown's own decoding (a character reference, an autolink) cannot bring one back.
    assert "http://evil.example/␛]2;AUTOLINK␇" in result.output


def test_export_markdown_to_stdout_is_shown_safe_but_a_file_keeps_the_exact_text(hostile, tmp_path):
    shown = run("sessions", "export", hostile)
    assert shown.exit_code == 0
    assert_shown_safely(shown.stdout)
    target = tmp_path / "session.md"
    assert run("sessions", "export", hostile, "-o", str(target)).exit_code == 0
    exact = target.read_bytes().decode("utf-8")
    assert exact.count(HOSTILE) == 4  # system, user, thinking and answer, byte for byte
    assert f"# {TITLE}\n" in exact


def test_export_json_to_stdout_escapes_everything_and_holds_the_exact_text(hostile, tmp_path):
    shown = run("sessions", "export", hostile, "--format", "json")
    assert shown.exit_code == 0
    assert forbidden_in(shown.stdout) == []
    target = tmp_path / "session.json"
    assert run("sessions", "export", hostile, "-f", "json", "-o", str(target)).exit_code == 0
    document = json.loads(target.read_text(encoding="utf-8"))
    assert json.loads(shown.stdout) == document
    assert document["title"] == TITLE and document["model"] == MODEL
    assert document["messages"][1]["thinking"] == HOSTILE


def test_delete_asks_about_the_title_as_marks(hostile):
    result = run("sessions", "delete", hostile, input="n\n")
    assert result.exit_code == 0 and "Kept it." in result.output
    assert forbidden_in(result.output) == [] and TITLE_SHOWN in result.output


def test_an_error_quoting_what_was_typed_shows_it_as_marks():
    result = run("sessions", "show", "\x1b]2;PWNED\x07")
    assert result.exit_code == 2
    assert forbidden_in(result.output) == [] and "␛]2;PWNED␇" in result.output


def test_replay_print_streams_the_hostile_reply_as_marks(hostile, hostile_engine):
    result = run("replay", hostile, "--print", "--engine", "demo")
    assert result.exit_code == 0, result.output
    assert_shown_safely(result.stdout)
    assert "You: Hi ␛]52;c;aGFja2Vk␇" in result.stdout


def test_run_prints_answer_and_thinking_as_marks(hostile_engine):
    result = run("run", "--engine", "demo", "--show-thinking", "hello")
    assert result.exit_code == 0, result.output
    assert_shown_safely(result.stdout)
    assert_shown_safely(result.stderr)


def test_run_json_holds_the_exact_reply_with_every_character_escaped(hostile_engine):
    result = run("run", "--engine", "demo", "--json", "hello")
    assert result.exit_code == 0, result.output
    assert forbidden_in(result.stdout) == []
    report = json.loads(result.stdout)
    assert report["answer"] == HOSTILE + MARKDOWN_TRICKS and report["thinking"] == HOSTILE
    assert report["model"] == HostileReplyEngine.model_name
