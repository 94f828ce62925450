"""`qwen-chat sessions search` as a user runs it: which sessions match, the snippets, the
order, --thinking, and an index that follows every change to the session files."""

from __future__ import annotations

import os

import pytest
from typer.testing import CliRunner

from qwen_tui.chat.messages import Conversation, Message, Role
from qwen_tui.cli import app
from qwen_tui.sessions import search_index
from qwen_tui.sessions.search_index import INDEX_NAME
from tests.sessions.helpers import record

runner = CliRunner()


def search(*args: str):
    return runner.invoke(app, ["sessions", "search", *args], env={"COLUMNS": "200"})


def saved(store, *exchanges: tuple[str, str, str], used: float | None = None) -> str:
    """A session of (question, thinking, answer) exchanges, last used at `used`."""
    conversation = Conversation()
    for question, thinking, answer in exchanges:
        conversation.add_user(question)
        conversation.add_assistant(answer, thinking)
    session_id = record(store, conversation)
    if used is not None:
        os.utime(store.path_for(session_id), (used, used))
    return session_id


@pytest.fixture
def reads(monkeypatch) -> list[str]:
    """The names of the session files the index read."""
    read: list[str] = []
    real = search_index.read_session_text

    def counted(path):
        read.append(path.name)
        return real(path)

    monkeypatch.setattr(search_index, "read_session_text", counted)
    return read


def test_matching_sessions_come_newest_first_with_a_snippet_around_each_hit(store):
    old = saved(store, ("How do I reverse a list?", "", "Use items.reverse()."), used=1e9)
    new = saved(store, ("Reverse a string", "", "Slice it: text[::-1]."), used=2e9)
    saved(store, ("What is a monad?", "", "A monoid in the category of endofunctors."))
    result = search("rever")
    assert result.exit_code == 0
    lines = result.stdout.splitlines()
    assert [line.split(" · ")[0].strip() for line in lines if " · " in line] == [new, old]
    assert lines[0] == "Reverse a string"
    assert "1 hit" in lines[1] and "question 1: Reverse a string" in lines[2]
    assert "How do I reverse a list?" in result.stdout
    assert "answer 1: Use items.reverse()." in result.stdout
    assert "monad" not in result.stdout


def test_every_word_must_be_in_one_passage_and_long_ones_are_cut_around_the_hit(store):
    before, after = (" ".join(f"{side}{n}" for n in range(200)) for side in ("pre", "post"))
    saved(store, ("kv cache", "", f"{before} the cache keeps keys and values {after}"))
    result = search("keys values")
    assert result.exit_code == 0
    snippet = next(line for line in result.stdout.splitlines() if "answer 1:" in line)
    assert "keys and values" in snippet and snippet.count("…") == 2
    assert "pre0 " not in snippet and "post199" not in snippet
    assert search("keys monad").exit_code == 1


def test_only_three_hits_are_shown_and_the_rest_counted(store):
    saved(store, *[(f"python question {n}", "", "ok") for n in range(5)])
    result = search("python")
    assert "5 hits" in result.stdout and "… and 2 more" in result.stdout
    assert "question 3:" in result.stdout and "question 4:" not in result.stdout


def test_thinking_is_searched_only_with_the_flag(store):
    session_id = saved(store, ("6 × 7?", "Six sevens make forty-two.", "42"))
    plain = search("sevens")
    assert plain.exit_code == 1
    assert plain.stdout.strip() == (
        "No session holds 'sevens' in its questions or answers; --thinking searches the "
        "thinking too."
    )
    found = search("sevens", "--thinking")
    assert found.exit_code == 0 and session_id in found.stdout
    assert "thinking 1: Six sevens make forty-two." in found.stdout


def test_the_index_follows_appends_new_sessions_and_deletes_reading_only_what_changed(store, reads):
    first = saved(store, ("Tell me about octopuses", "", "Eight arms."))
    second = saved(store, ("Tell me about squid", "", "Ten arms."))
    assert search("arms").stdout.count(" hit") == 2
    assert sorted(reads) == sorted([f"{first}.jsonl", f"{second}.jsonl"])
    reads.clear()
    assert search("arms").exit_code == 0 and reads == []  # warm: no file read again
    with store.open_for_append(first) as recorder:
        recorder.record_user(Message(Role.USER, "And their hearts?"))
        recorder.record_assistant(Message(Role.ASSISTANT, "Three hearts."))
    assert first in search("hearts").stdout and reads == [f"{first}.jsonl"]
    third = saved(store, ("Cuttlefish?", "", "Also hearts, three."))
    assert third in search("hearts").stdout
    store.delete(first)
    result = search("hearts")
    assert first not in result.stdout and third in result.stdout
    assert reads == [f"{first}.jsonl", f"{third}.jsonl"]


def test_a_renamed_session_is_found_by_its_new_title(store):
    session_id = saved(store, ("first question", "", "answer"))
    store.rename(session_id, "Holiday plans")
    result = search("holiday")
    assert result.stdout.splitlines()[0] == "Holiday plans" and "title: Holiday plans" in (
        result.stdout
    )


@pytest.mark.parametrize(
    "damage",
    [
        lambda path: path.write_bytes(b"not a database at all" * 500),
        lambda path: path.write_bytes(path.read_bytes()[:4096] + b"\0" * 9000),
    ],
    ids=["garbage", "cut short"],
)
def test_a_damaged_index_is_built_again_from_the_session_files(store, reads, damage):
    session_id = saved(store, ("Where is Kyoto?", "", "In Japan."))
    search("kyoto")
    damage(store.root / INDEX_NAME)
    reads.clear()
    result = search("kyoto")
    assert result.exit_code == 0 and session_id in result.stdout
    assert reads == [f"{session_id}.jsonl"]
    reads.clear()
    assert search("japan").exit_code == 0 and reads == []  # the rebuilt index is used


def test_an_index_that_cannot_be_written_still_gives_the_answer(store):
    session_id = saved(store, ("Where is Kyoto?", "", "In Japan."))
    (store.root / INDEX_NAME).mkdir()
    result = search("japan")
    assert result.exit_code == 0 and session_id in result.stdout


def test_a_damaged_session_file_is_skipped_with_a_notice(store):
    good = saved(store, ("Where is Kyoto?", "", "In Japan."))
    broken = saved(store, ("Where is Osaka?", "", "In Japan too."))
    path = store.path_for(broken)
    path.write_text(path.read_text(encoding="utf-8") + "not json\n{}\n", encoding="utf-8")
    result = search("japan")
    assert result.exit_code == 0 and good in result.stdout and broken not in result.stdout
    assert f"qwen-chat: warning: not searched: session {broken}:" in result.stderr
    assert "not a session event" in result.stderr


def test_control_characters_in_a_session_never_reach_the_terminal(store):
    hostile = "Title \x1b]0;pwned\x07 and \x1b[2J here \u202e evil"
    saved(store, (hostile, "", f"answer {hostile}"))
    result = search("pwned")
    assert result.exit_code == 0
    assert "\x1b" not in result.stdout and "\x07" not in result.stdout
    assert "\u202e" not in result.stdout
    assert "␛]0;pwned␇" in result.stdout and "<U+202E>" in result.stdout


@pytest.mark.parametrize("text", ["", "  ", ":: -- ?!"])
def test_a_search_with_no_word_is_a_one_line_error(store, text):
    saved(store, ("Where is Kyoto?", "", "In Japan."))
    result = search(text)
    assert result.exit_code == 2
    assert result.stderr.strip().splitlines() == [
        f"qwen-chat: error: nothing to search for in {text!r}; give at least one word "
        "(letters or digits)"
    ]


def test_no_sessions_at_all_is_no_match():
    result = search("anything")
    assert result.exit_code == 1 and "No session holds 'anything'" in result.stdout


def test_search_syntax_in_the_text_is_taken_as_plain_words(store):
    saved(store, ("reverse a string", "", "Slice it."))
    assert search('"reverse"* (string').exit_code == 0
    assert search("AND reverse").exit_code == 1  # "and" is a word to find, not an operator
    assert search("reverse NOT string").exit_code == 1
    assert search("NEAR(reverse string)").exit_code == 1
