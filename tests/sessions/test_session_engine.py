"""resume, replay and `run --resume` go on with the engine and model a session last ran
with, unless --engine or --model say otherwise; a model that is gone is one line before
any UI opens."""

from __future__ import annotations

import json
import math
import sys
import types

import pytest
from typer.testing import CliRunner

from qwen_tui.chat.messages import Message, Role
from qwen_tui.cli import app
from qwen_tui.config import Settings
from qwen_tui.engine.scripted.demo import DemoEngine
from tests.sessions.helpers import assistant, record, sample_conversation

runner = CliRunner()


@pytest.fixture
def engines(monkeypatch):
    """Every engine created, as the settings it was asked for; each is a fast DemoEngine."""
    import qwen_tui.engine.factory as factory

    asked: list[Settings] = []

    def create_engine(settings):
        asked.append(settings)
        return DemoEngine(tokens_per_s=math.inf, load_s=0)

    monkeypatch.setattr(factory, "create_engine", create_engine)
    return asked


@pytest.fixture
def ui_calls(monkeypatch, a_terminal) -> list:
    calls: list = []
    fake = types.SimpleNamespace(run_chat_app=lambda settings, **kwargs: calls.append(settings))
    monkeypatch.setitem(sys.modules, "qwen_tui.ui.app", fake)
    return calls


@pytest.fixture
def model_dir(tmp_path):
    path = tmp_path / "my-model"
    path.mkdir()
    (path / "config.json").write_text(json.dumps({"model_type": "qwen3"}))
    (path / "model.safetensors").write_bytes(b"")  # what the check before the UI reads
    return path


def local_session(store, model: str) -> str:
    """A session run on the local engine with `model`."""
    with store.create(
        Settings(model=model, engine="local"), engine_name="local", model_name=model
    ) as recorder:
        recorder.record_user(Message(Role.USER, "Hi"))
        recorder.record_assistant(assistant("Hello."))
        return recorder.session_id


def test_resume_of_a_demo_session_runs_the_demo_engine(store, engines, ui_calls):
    saved = record(store, sample_conversation())
    result = runner.invoke(app, ["resume", saved])
    assert result.exit_code == 0, result.output
    assert [s.engine for s in engines] == ["demo"] and len(ui_calls) == 1


def test_resume_goes_on_with_the_sessions_local_model(store, model_dir, engines, ui_calls):
    saved = local_session(store, str(model_dir))
    assert runner.invoke(app, ["resume", saved]).exit_code == 0
    assert [(s.engine, s.model) for s in engines] == [("local", str(model_dir))]


def test_flags_override_what_the_session_recorded(store, model_dir, engines, ui_calls):
    saved = local_session(store, str(model_dir))
    assert runner.invoke(app, ["resume", saved, "--engine", "demo"]).exit_code == 0
    assert engines[-1].engine == "demo"


def test_the_last_resume_wins_over_the_header(store, model_dir, engines, ui_calls):
    saved = record(store, sample_conversation())  # made with the demo engine
    local = Settings(model=str(model_dir), engine="local")
    with store.open_for_append(saved) as recorder:
        recorder.note_resume(settings=local, engine_name="local", model_name=str(model_dir))
        recorder.record_user(Message(Role.USER, "and now locally"))
    assert runner.invoke(app, ["resume", saved]).exit_code == 0
    assert (engines[-1].engine, engines[-1].model) == ("local", str(model_dir))


def test_replay_print_of_a_demo_session_runs_on_the_demo_engine(store, engines):
    saved = record(store, sample_conversation())
    result = runner.invoke(app, ["replay", saved, "--print"])
    assert result.exit_code == 0, result.output
    assert [s.engine for s in engines] == ["demo"]


def test_run_resume_of_a_demo_session_runs_on_the_demo_engine(store, engines):
    saved = record(store, sample_conversation())
    result = runner.invoke(app, ["run", "--resume", saved, "One more?"])
    assert result.exit_code == 0, result.output
    assert [s.engine for s in engines] == ["demo"]


@pytest.mark.parametrize("command", ["resume", "replay"])
def test_a_session_whose_model_is_gone_is_one_line_and_no_ui(
    store, model_dir, engines, ui_calls, command
):
    saved = local_session(store, str(model_dir))
    for file in model_dir.iterdir():
        file.unlink()
    model_dir.rmdir()
    result = runner.invoke(app, [command, saved])
    assert result.exit_code == 2
    [line] = result.stderr.strip().splitlines()
    assert line.startswith("qwen-chat: error: ") and "does not exist" in line
    assert "`qwen-chat doctor`" in line and "--engine demo" in line
    assert engines == [] and ui_calls == []
    assert [i for i in store.ids() if i != saved] == []  # no replay session was started
