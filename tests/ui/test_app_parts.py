"""The small parts behind the chat screen: slash commands, the key table and its docs,
the palette, GPU memory, the engine factory and session saving."""

from __future__ import annotations

from pathlib import Path

import pytest
from ui_harness import RecordingEngine, make_app, ready, send, until_idle

from qwen_tui import locations
from qwen_tui.chat.model_card import QUANTIZED_PRESENCE_PENALTY
from qwen_tui.config import Settings
from qwen_tui.engine.base import DeviceMemory
from qwen_tui.engine.factory import create_engine
from qwen_tui.engine.scripted.demo import DemoEngine
from qwen_tui.sessions import SessionStore
from qwen_tui.ui.app import ChatApp
from qwen_tui.ui.app_commands import UnknownCommand, parse_command
from qwen_tui.ui.keymap import CHAT_BINDINGS, help_rows, key_display
from qwen_tui.ui.screens.help_screen import help_tables
from qwen_tui.ui.widgets.status_bar import StatusBar

README = Path(__file__).resolve().parents[2] / "README.md"


@pytest.mark.parametrize(
    "line", ["/think explain", "/no_think\nshort answer", "hello /new", " /new as text"]
)
def test_soft_switches_and_ordinary_text_are_messages_for_the_model(line):
    assert parse_command(line) is None


def test_app_commands_parse_with_their_argument():
    parsed = parse_command("/theme   qwen-light ")
    assert parsed.command.name == "theme" and parsed.argument == "qwen-light"
    assert parse_command("/NEW").command.name == "new"


def test_unknown_slash_words_are_refused_with_a_hint():
    with pytest.raises(UnknownCommand, match="/help lists the commands"):
        parse_command("/thinking about it")


def test_help_lists_every_key_the_chat_screen_binds():
    shown = {row.keys for row in help_rows()}
    for binding in CHAT_BINDINGS:
        assert key_display(binding.key) in shown
    assert {"Ctrl+P", "Ctrl+Q", "Enter", "Shift+Enter, Ctrl+J"} <= shown
    assert help_tables().renderables  # renders without a screen


def test_the_readme_documents_every_key():
    readme = README.read_text(encoding="utf-8")
    for row in help_rows():
        assert f"| {row.keys} |" in readme, f"README lacks a row for {row.keys}"


async def test_the_palette_offers_app_commands_and_each_theme():
    app = make_app()
    async with app.run_test() as pilot:
        await ready(pilot)
        titles = {command.title for command in app.get_system_commands(app.screen)}
        assert {"New conversation", "Thinking on/off", "Copy last answer"} <= titles
        assert {"Theme: qwen-dark", "Theme: qwen-light", "Theme: qwen-high-contrast"} <= titles


class GpuEngine(RecordingEngine):
    """Says it holds 18 of a card's 80 GiB, as the local engine on a GPU does."""

    def memory_in_use(self) -> DeviceMemory:
        return DeviceMemory(18 * 1024**3, 80 * 1024**3)


@pytest.mark.parametrize(
    ("engine", "shown"), [(GpuEngine, "GPU 18.0/80.0 GiB"), (RecordingEngine, "")]
)
async def test_the_status_bar_shows_the_gpu_memory_the_engine_reports(engine, shown):
    app = make_app(engine())
    async with app.run_test() as pilot:
        await ready(pilot)
        app.chat_screen.view.refresh_memory()
        assert app.chat_screen.query_one(StatusBar).gpu_memory == shown


def test_the_demo_engine_is_built_for_engine_demo_and_labelled_demo():
    engine = create_engine(Settings(engine="demo"))
    assert isinstance(engine, DemoEngine) and engine.name == "demo"


async def test_by_default_every_conversation_is_saved_as_a_session():
    app = ChatApp(Settings(engine="demo"), engine=DemoEngine(tokens_per_s=10_000, load_s=0))
    async with app.run_test() as pilot:
        await ready(pilot)
        await send(pilot, "save me")
        await until_idle(pilot)
    files = list(locations.sessions_dir().glob("*"))
    assert files and "save me" in "".join(f.read_text() for f in files if f.is_file())


class _NamelessUntilLoaded(DemoEngine):
    """Like LocalEngine: no model name before the model has loaded."""

    model_name = ""


async def test_a_session_started_before_the_model_loads_records_the_configured_model():
    settings = Settings(engine="demo", model="/models/Qwen3-30B-A3B-GPTQ-Int4")
    app = ChatApp(settings, engine=_NamelessUntilLoaded(tokens_per_s=10_000, load_s=0))
    async with app.run_test() as pilot:
        await ready(pilot)
        await send(pilot, "which model?")
        await until_idle(pilot)
    [session_id] = SessionStore().ids()
    assert SessionStore().load(session_id).model == "/models/Qwen3-30B-A3B-GPTQ-Int4"


async def test_an_engine_that_does_not_know_its_quantization_gets_the_quantized_preset():
    engine = RecordingEngine()
    engine.quantized = None
    app = make_app(engine)
    async with app.run_test() as pilot:
        await ready(pilot)
        await send(pilot, "Hi")
        await until_idle(pilot)
    assert engine.requests[-1].sampling.presence_penalty == QUANTIZED_PRESENCE_PENALTY


def test_load_progress_reads_bytes_as_gib_and_counts_as_counts():
    from qwen_tui.engine.events import LoadProgress
    from qwen_tui.ui.widgets.load_bar import progress_counts

    assert progress_counts(LoadProgress(3 * 2**30, 16 * 2**30, unit="bytes")) == "3.0/16.0 GiB"
    assert progress_counts(LoadProgress(120, 531)) == "120/531 tensors"
