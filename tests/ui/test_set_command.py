"""`/set` in the chat: a value set holds for the next turns of the conversation in both
modes, a bad one is one line naming the range, `default` undoes it, and `/set` alone shows
every value and where it came from."""

from __future__ import annotations

from ui_harness import RecordingEngine, enter, make_app, ready, send, until_idle

from qwen_tui.config import Settings, load_settings
from qwen_tui.ui.widgets.tuning_table import TuningTable


def notices(app) -> list[str]:
    return [n.message for n in app._notifications]


async def test_a_value_set_holds_for_the_next_turns_in_both_modes():
    engine = RecordingEngine()
    app = make_app(engine)
    async with app.run_test(size=(120, 40)) as pilot:
        await ready(pilot)
        await enter(pilot, "/set temperature 0.3")
        await enter(pilot, "/set top-k 5")
        assert engine.requests == []  # a command, not a message
        assert notices(app)[-2] == (
            "temperature 0.3 for the next turns of this conversation "
            "(was 0.6, preset: thinking mode)."
        )
        await send(pilot, "Hello")
        await until_idle(pilot)
        sampling = engine.requests[-1].sampling
        assert (sampling.temperature, sampling.top_k, sampling.top_p) == (0.3, 5, 0.95)
        await pilot.press("ctrl+t")  # thinking off: its preset, but the set values hold
        await send(pilot, "Again")
        await until_idle(pilot)
        sampling = engine.requests[-1].sampling
        assert (sampling.temperature, sampling.top_k, sampling.top_p) == (0.3, 5, 0.8)


async def test_a_bad_value_is_one_line_naming_the_range_and_changes_nothing():
    engine = RecordingEngine()
    app = make_app(engine)
    async with app.run_test(size=(120, 40)) as pilot:
        await ready(pilot)
        await enter(pilot, "/set top_p 1.5")
        await enter(pilot, "/set max_new_tokens 50000")
        await enter(pilot, "/set warmth 3")
        await enter(pilot, "/set temperature")
        assert notices(app)[-4:] == [
            "top_p takes a number above 0 and at most 1 (from 1e-06); got '1.5'.",
            "max_new_tokens takes a whole number from 1 to 40,960, the size of the context; "
            "got '50000'.",
            "/set has no 'warmth'; it sets temperature, top_p, top_k, min_p, presence_penalty, "
            "max_new_tokens, thinking_budget.",
            "Usage: /set NAME VALUE, or /set NAME default; /set alone shows every value.",
        ]
        assert app.core.conversation.tuning.values == {}
        await send(pilot, "Hello")
        await until_idle(pilot)
        assert engine.requests[-1].sampling.top_p == 0.95


async def test_default_returns_a_value_to_its_flag_and_limits_reach_the_request():
    engine = RecordingEngine()
    app = make_app(engine, settings=Settings(engine="demo").with_overrides(temperature=0.9))
    async with app.run_test(size=(120, 40)) as pilot:
        await ready(pilot)
        await enter(pilot, "/set temperature 0.2")
        await enter(pilot, "/set thinking_budget 16")
        await enter(pilot, "/set max_new_tokens 500")
        await enter(pilot, "/set temperature default")
        assert notices(app)[-1] == "temperature is back to 0.9, flag --temperature."
        await send(pilot, "Hello")
        await until_idle(pilot)
        request = engine.requests[-1]
        assert request.sampling.temperature == 0.9
        assert (request.thinking_budget, request.max_new_tokens) == (16, 500)
        await enter(pilot, "/set thinking_budget off")
        await send(pilot, "Again")
        await until_idle(pilot)
        assert engine.requests[-1].thinking_budget is None


async def test_set_alone_shows_every_value_and_where_it_came_from(tmp_path):
    config = tmp_path / "config.toml"
    config.write_text("[sampling]\nmin_p = 0.05\n")
    settings = load_settings(config).with_overrides(engine="demo", top_k=40)
    app = make_app(settings=settings)
    async with app.run_test(size=(120, 40)) as pilot:
        await ready(pilot)
        await enter(pilot, "/set temperature 0.3")
        await enter(pilot, "/set")
        (table,) = app.chat_screen.query(TuningTable)
        lines = [" ".join(line.split()) for line in str(_text(table)).splitlines()]
        assert lines[0] == "Settings of the next turn (thinking on)"
        assert "temperature 0.3 /set" in lines
        assert "top_p 0.95 preset: thinking mode" in lines
        assert "top_k 40 flag --top-k" in lines
        assert "min_p 0.05 config.toml" in lines
        assert "max_new_tokens 32,768 model card" in lines
        assert "thinking_budget off default: no limit" in lines
        await enter(pilot, "/set top_p 0.5")  # the table shown follows the change
        (table,) = app.chat_screen.query(TuningTable)
        assert "top_p 0.5 /set" in [" ".join(x.split()) for x in _text(table).splitlines()]
        await pilot.press("ctrl+n")  # a new conversation starts from the presets again
        await pilot.pause()
        assert not app.chat_screen.query(TuningTable)
        assert app.core.conversation.tuning.values == {}


def _text(table: TuningTable) -> str:
    from rich.console import Console

    console = Console(width=110, record=True)
    console.print(table.content)
    return console.export_text()


async def test_a_resumed_session_gets_its_set_values_back():
    from qwen_tui.conversation.opening import new_sessions, open_saved
    from qwen_tui.sessions import SessionStore
    from qwen_tui.ui.app import ChatApp

    store, startup = SessionStore(), Settings(engine="demo")
    app = ChatApp(startup, engine=RecordingEngine())
    async with app.run_test(size=(120, 40)) as pilot:
        await ready(pilot)
        await enter(pilot, "/set temperature 0.25")
        await enter(pilot, "/set min_p 0.1")
        await enter(pilot, "/set min_p default")
        await send(pilot, "First question")
        await until_idle(pilot)
        session_id = app.core.recorder.session_id
    continued = open_saved(store, session_id, startup)
    engine = RecordingEngine()
    resumed = ChatApp(
        continued.settings,
        engine=engine,
        conversation=continued.conversation,
        recorder_factory=new_sessions(store, first=continued.resumed_by(engine).recorder),
    )
    async with resumed.run_test(size=(120, 40)) as pilot:
        await ready(pilot)
        await send(pilot, "Second question")
        await until_idle(pilot)
        assert (engine.requests[-1].sampling.temperature, engine.requests[-1].sampling.min_p) == (
            0.25,
            0.0,
        )
        await enter(pilot, "/set")
        (table,) = resumed.chat_screen.query(TuningTable)
        assert "temperature 0.25 /set" in [" ".join(x.split()) for x in _text(table).splitlines()]


async def test_the_palettes_sampling_settings_shows_the_table():
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await ready(pilot)
        commands = {c.title: c for c in app.get_system_commands(app.screen)}
        await commands["Sampling settings"].callback()
        await pilot.pause()
        assert len(app.chat_screen.query(TuningTable)) == 1
