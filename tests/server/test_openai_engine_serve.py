"""`--engine openai` against `qwen-chat serve`: `run`, `replay` and config.toml take it, the
reply is the server's with its thinking apart, and a failure is one line."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from qwen_tui import locations
from qwen_tui.cli import app
from qwen_tui.sessions import SessionStore
from tests.server.conftest import API_KEY
from tests.server.test_serve_demo import ANSWER, QUESTION, THINKING


def invoke(*args: str):
    return CliRunner().invoke(app, list(args), env={"COLUMNS": "240"})


def test_run_answers_through_the_server_and_saves_the_session(demo_server):
    result = invoke("run", "--engine", "openai", "--base-url", demo_server.url, "--json", QUESTION)
    assert result.exit_code == 0, result.stderr
    report = json.loads(result.stdout)
    assert (report["thinking"], report["answer"]) == (THINKING, ANSWER)
    assert report["finish_reason"] == "stop" and report["stats"]["generated_tokens"] > 100
    session = SessionStore().load(report["session"])
    host = demo_server.url.split("/")[2]
    assert (session.engine, session.model) == (host, demo_server.model)
    assert session.conversation.messages[1].thinking == THINKING


def test_no_think_is_sent_as_the_hard_switch(demo_server):
    result = invoke(
        "run", "--engine", "openai", "--base-url", demo_server.url, "--no-think", "--json", "Hi"
    )
    report = json.loads(result.stdout)
    assert report["thinking"] == "" and report["answer"]


def test_the_thinking_budget_travels_to_the_server(demo_server):
    url = demo_server.url
    result = invoke(
        "run", "--engine", "openai", "--base-url", url, "--thinking-budget", "5", "--json", QUESTION
    )
    report = json.loads(result.stdout)
    assert report["thinking"].endswith(
        "I have to give the solution based on the thinking directly now."
    )
    assert len(report["thinking"]) < len(THINKING) and report["answer"] == ANSWER


def test_config_toml_keys_choose_the_server(demo_server, keyed_server):
    config = locations.config_file()
    config.parent.mkdir(parents=True, exist_ok=True)
    config.write_text(
        f'engine = "openai"\nbase_url = "{keyed_server.url}"\napi_key = "{API_KEY}"\n'
    )
    result = invoke("run", QUESTION)
    assert result.exit_code == 0, result.stderr
    assert result.stdout.strip() == ANSWER
    [session_id] = SessionStore().ids()
    assert API_KEY not in SessionStore().path_for(session_id).read_text()  # never recorded


def test_replay_print_sends_the_turns_to_the_server_again(demo_server):
    first = invoke("run", "--engine", "openai", "--base-url", demo_server.url, QUESTION)
    assert first.exit_code == 0, first.stderr
    [original] = SessionStore().ids()
    result = invoke(
        "replay", original, "--engine", "openai", "--base-url", demo_server.url, "--print"
    )
    assert result.exit_code == 0, result.stderr
    assert ANSWER.splitlines()[0] in result.stdout


def test_a_wrong_key_is_one_line_saying_what_to_do(keyed_server):
    result = invoke("run", "--engine", "openai", "--base-url", keyed_server.url, "Hi")
    assert result.exit_code == 2
    [line] = result.stderr.strip().splitlines()
    assert "refused the API key (401" in line and "--api-key" in line
    right = invoke(
        "run", "--engine", "openai", "--base-url", keyed_server.url, "--api-key", API_KEY, "Hi"
    )
    assert right.exit_code == 0 and right.stdout.strip()


def test_an_unknown_model_lists_the_servers_models(demo_server):
    result = invoke(
        "run", "--engine", "openai", "--base-url", demo_server.url, "--model", "llama3", "Hi"
    )
    assert result.exit_code == 2
    assert f"has no model 'llama3'; it serves '{demo_server.model}'" in result.stderr


def test_an_unreachable_server_is_one_line(unused_url):
    result = invoke("run", "--engine", "openai", "--base-url", unused_url, "Hi")
    assert result.exit_code == 2
    [line] = result.stderr.strip().splitlines()
    assert "cannot reach the server" in line and "--base-url" in line


def test_engine_openai_without_a_base_url_says_what_to_pass():
    result = invoke("run", "--engine", "openai", "Hi")
    assert result.exit_code == 2 and "--base-url URL" in result.stderr
