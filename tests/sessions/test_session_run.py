"""`qwen-chat run` and its session: the id in `--json`, a clean stdout, and a failed
turn saved so that resume, replay and play still make sense of the session."""

from __future__ import annotations

import errno
import json
import os
import subprocess
import sys

import pytest
from typer.testing import CliRunner

from qwen_tui.chat.messages import FinishReason, Role
from qwen_tui.cli import app
from qwen_tui.conversation.playback import playback_turns
from qwen_tui.sessions.replay import answered_prompts, user_prompts
from tests.recording_engine import RecordingEngine
from tests.sessions.engines import FailingDemo


def run(*args: str):
    return CliRunner().invoke(app, ["run", "--engine", "demo", *args])


@pytest.fixture
def engines(monkeypatch):
    """Every engine `run` creates, in order; the next one is `engines.next` (a class)."""
    import qwen_tui.engine.factory as factory

    made: list[RecordingEngine] = []

    def create(settings):
        made.append(create.next())
        return made[-1]

    create.next = RecordingEngine
    monkeypatch.setattr(factory, "create_engine", create)
    create.made = made
    return create


def test_json_names_the_saved_session(store, engines):
    result = run("--json", "How do I reverse a string?")
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert report["session"] == store.ids()[0]
    assert store.load(report["session"]).conversation.last_assistant.content == report["answer"]


def test_json_session_is_null_with_no_save(store, engines):
    result = run("--json", "--no-save", "Hi")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["session"] is None
    assert store.ids() == []


def test_plain_run_prints_the_answer_and_nothing_else(store, engines):
    result = run("How do I reverse a string?")
    assert result.exit_code == 0, result.output
    [session_id] = store.ids()
    answer = store.load(session_id).conversation.last_assistant.content
    assert result.stdout == answer + "\n"
    assert session_id not in result.stderr


def test_show_thinking_ends_its_stderr_with_the_session_id(store, engines):
    result = run("--show-thinking", "How do I reverse a string?")
    assert result.exit_code == 0, result.output
    [session_id] = store.ids()
    assert session_id not in result.stdout
    assert result.stderr.strip().splitlines()[-1] == f"session {session_id}"


def test_an_unwritable_sessions_dir_is_one_line_not_a_traceback(
    engines, isolated_dirs, monkeypatch
):
    not_a_dir = isolated_dirs / "data-file"
    not_a_dir.write_text("a file where the data dir should be\n")
    monkeypatch.setenv("QWEN_TUI_DATA_DIR", str(not_a_dir))
    result = run("How do I reverse a string?")
    assert result.exit_code == 2
    assert result.stderr.splitlines() == [
        f"qwen-chat: error: cannot save sessions in {not_a_dir / 'sessions'} (Not a directory); "
        "make it writable or set QWEN_TUI_DATA_DIR to another folder (or pass --no-save)"
    ]
    assert run("--no-save", "Hi").exit_code == 0


def test_a_session_that_fails_to_save_is_one_line_not_a_traceback(store, engines, monkeypatch):
    from qwen_tui.sessions.recorder import SessionRecorder

    def disk_full(self):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(SessionRecorder, "_open", disk_full)
    result = run("How do I reverse a string?")
    assert result.exit_code == 2
    [line] = result.stderr.splitlines()
    assert line.startswith("qwen-chat: error: could not save session ")
    assert line.endswith(": No space left on device")


def test_a_failed_turn_is_saved_as_a_failed_reply_not_a_dangling_question(store, engines):
    engines.next = FailingDemo
    result = run("--show-thinking", "Explain YaRN /no_think")
    assert result.exit_code == 2
    assert result.stderr.strip().splitlines()[-1].startswith("qwen-chat: error: CUDA out of memory")
    assert result.stdout == ""
    [session_id] = store.ids()
    messages = store.load(session_id).conversation.messages
    assert [m.role for m in messages] == [Role.USER, Role.ASSISTANT]
    assert messages[1].finish_reason is FinishReason.ERROR and messages[1].content == ""


def test_resume_replay_and_play_handle_a_failed_turn(store, engines):
    engines.next = FailingDemo
    assert run("Explain YaRN /no_think").exit_code == 2
    [session_id] = store.ids()

    engines.next = RecordingEngine
    result = run("--resume", session_id, "What is a KV cache?")
    assert result.exit_code == 0, result.output
    request = engines.made[-1].requests[-1]
    # The failed question (and its /no_think) never reached the model as history.
    assert [m["content"] for m in request.messages] == ["What is a KV cache?"]
    assert request.enable_thinking and "Explain YaRN" not in str(request.messages)

    session = store.load(session_id)
    assert user_prompts(session) == ["Explain YaRN /no_think", "What is a KV cache?"]
    assert answered_prompts(session) == user_prompts(session)
    turns = playback_turns(session)
    assert [t.reason for t in turns] == [FinishReason.ERROR, FinishReason.STOP]

    replayed = CliRunner().invoke(
        app, ["replay", session_id, "--print", "--engine", "demo", "--no-think"]
    )
    assert replayed.exit_code == 0, replayed.output
    sent = [r.messages[-1]["content"] for r in engines.made[-1].requests]
    assert sent == user_prompts(session)  # the failed question is asked again


def test_play_skips_a_question_a_crash_left_without_a_reply(store):
    from qwen_tui.chat.messages import Message
    from qwen_tui.config import Settings

    with store.create(Settings(), engine_name="demo", model_name="demo") as recorder:
        recorder.record_user(Message(Role.USER, "Killed mid-reply"))
        recorder.record_user(Message(Role.USER, "Asked after resuming"))
        recorder.record_assistant(
            Message(Role.ASSISTANT, "Answered", finish_reason=FinishReason.STOP)
        )
    session = store.load(recorder.session_id)
    assert answered_prompts(session) == ["Asked after resuming"]
    assert [t.answer for t in playback_turns(session)] == ["Answered"]


class SmallContextEngine(RecordingEngine):
    """The demo engine with room for 1,100 tokens, prompt and reply together."""

    context_limit = 1_100


def prompt_tokens(prompt: str) -> int:
    """What `run` counts for `prompt` alone, with thinking on."""
    return SmallContextEngine().count_prompt_tokens(({"role": "user", "content": prompt},), True)


def test_a_prompt_longer_than_the_context_is_one_line_and_saves_no_session(store, engines):
    engines.next = SmallContextEngine
    prompt = "word " * 1_200
    result = run(prompt)
    assert result.exit_code == 2
    assert result.stderr.splitlines() == [
        f"qwen-chat: error: the prompt takes {prompt_tokens(prompt):,} of the 1,100 tokens "
        "the context holds, leaving no room for a reply: shorten the prompt, "
        "or pass --yarn-factor 2 for a 65,536-token context"
    ]
    assert store.ids() == []
    assert engines.made[-1].requests == []


def test_when_only_the_reply_overflows_the_error_names_max_new_tokens(store, engines):
    engines.next = SmallContextEngine
    prompt = "word " * 1_050
    room = 1_100 - prompt_tokens(prompt)
    result = run("--max-new-tokens", "200", prompt)
    assert result.exit_code == 2
    assert result.stderr.rstrip().endswith(f", or pass --max-new-tokens {room} or fewer")
    assert store.ids() == []
    assert run("--max-new-tokens", str(room), prompt).exit_code == 0


def test_a_prompt_that_leaves_a_shorter_reply_runs_with_a_warning(store, engines):
    engines.next = SmallContextEngine
    result = run("Hi")
    assert result.exit_code == 0, result.output
    room = 1_100 - prompt_tokens("Hi")
    assert result.stderr.splitlines() == [
        f"qwen-chat: warning: the prompt takes {prompt_tokens('Hi')} of the 1,100 tokens the "
        f"context holds, so the reply stops after {room:,} new tokens (--max-new-tokens is 32,768)"
    ]
    assert engines.made[-1].requests[-1].max_new_tokens == room


def test_a_resumed_session_too_long_to_continue_is_left_as_it_was(store, engines):
    assert run("Hi").exit_code == 0
    [session_id] = store.ids()
    before = store.load(session_id).conversation.messages
    engines.next = SmallContextEngine
    result = run("--resume", session_id, "word " * 1_200)
    assert result.exit_code == 2
    assert "the session's history and the prompt take " in result.stderr
    assert "shorten the prompt or leave out --resume" in result.stderr
    assert store.load(session_id).conversation.messages == before


def run_piped(stdin: str | bytes, *args: str):
    return CliRunner().invoke(app, ["run", "--engine", "demo", *args, "-"], input=stdin)


def test_dash_reads_the_prompt_from_stdin(store, engines):
    result = run_piped("Explain YaRN\nin two lines\n")
    assert result.exit_code == 0, result.output
    asked = engines.made[-1].requests[-1].messages[-1]["content"]
    assert asked == "Explain YaRN\nin two lines"
    assert user_prompts(store.load(store.ids()[0])) == [asked]


@pytest.mark.parametrize("stdin", ["", " \n\n"])
def test_an_empty_stdin_is_the_empty_prompt_error(store, engines, stdin):
    result = run_piped(stdin)
    assert result.exit_code == 2
    assert result.stderr.splitlines() == [
        "qwen-chat: error: the prompt is empty; pass the question as an argument, "
        "or - to pipe it in"
    ]
    assert store.ids() == []


def test_a_prompt_that_is_not_utf8_is_one_line_and_saves_nothing(store, engines):
    # An argument's bad bytes reach Python as a lone surrogate; piped ones fail to decode.
    for result in (run_piped(b"caf\xe9\n"), run("caf\udce9")):
        assert result.exit_code == 2
        assert result.stderr.splitlines() == [
            "qwen-chat: error: the prompt is not UTF-8 text; "
            "convert it (e.g. with iconv) and try again"
        ]
    assert store.ids() == []


def test_a_utf8_prompt_is_read_as_such_under_an_ascii_locale(store):
    # Under LC_ALL=C with UTF-8 mode off, Python decodes argv and stdin as ASCII and keeps
    # the other bytes as lone surrogates: the prompt is still the UTF-8 the user typed.
    env = os.environ | {"LC_ALL": "C", "LANG": "C", "PYTHONUTF8": "0"}
    asked = "¿Qué es 中文?"
    command = ["qwen-chat", "run", "--engine", "demo", "--json"]
    argument = subprocess.run([*command, asked], capture_output=True, env=env, timeout=120)
    piped = subprocess.run(
        [*command, "-"], input=asked.encode(), capture_output=True, env=env, timeout=120
    )
    for result in (argument, piped):
        assert result.returncode == 0, result.stderr
        session = store.load(json.loads(result.stdout)["session"])
        assert user_prompts(session) == [asked]


def test_a_stdout_closed_mid_reply_exits_quietly_and_the_session_keeps_the_reply(store):
    """`qwen-chat run ... | head -1`, with a real pipe closed after the first line."""
    command = [sys.executable, "-m", "qwen_tui", "run", "--engine", "demo", "reverse a string"]
    env = os.environ | {"PYTHONUNBUFFERED": "1"}
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
    first = process.stdout.readline()
    process.stdout.close()  # as `head -1` does after its line
    _, stderr = process.communicate(timeout=60)
    assert first == b"## Reversing a string\n"
    assert process.returncode == 0 and stderr == b""
    (session_id,) = store.ids()
    question, reply = store.load(session_id).conversation.messages
    assert question.content == "reverse a string"
    assert reply.finish_reason is FinishReason.CANCELLED
    assert reply.content.startswith("## Reversing a string\n")
