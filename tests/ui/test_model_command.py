"""`/model` in the chat: with `--engine openai` it lists the server's models and switches
to one for the next turns (the status bar names it, the session records it); a name the
server does not have is one line and the chat goes on with the old model. The demo
engine has one model."""

from __future__ import annotations

import threading

from ui_harness import RecordingEngine, enter, make_app, ready, send, until_idle, wait_for

from qwen_tui.config import Settings
from qwen_tui.engine.remote.engine import OpenAIEngine, RemoteSpec
from qwen_tui.sessions import SessionStore
from qwen_tui.sessions.replay import recorded_engine
from qwen_tui.ui.app import ChatApp
from qwen_tui.ui.widgets.status_bar import StatusBar
from tests.server.recorded_server import RecordedServer, Script, recorded

MODELS = [
    {"id": "qwen3", "object": "model"},
    {"id": "qwen3-big", "object": "model", "max_model_len": 65_536},
]


class HeldModelsServer(RecordedServer):
    """A server whose model list, once `hold` is set, waits for `release`: a slow load."""

    def __init__(self, *args, **kwargs) -> None:
        self.hold = False
        self.release = threading.Event()
        super().__init__(*args, **kwargs)

    def _handler(self):
        server = self

        class Held(super()._handler()):
            def do_GET(self) -> None:
                if server.hold:
                    server.release.wait(10)
                super().do_GET()

        return Held


def notices(app) -> list[str]:
    return [n.message for n in app._notifications]


def remote_app(server: RecordedServer) -> ChatApp:
    engine = OpenAIEngine(RemoteSpec(base_url=server.url, model="qwen3"))
    return ChatApp(Settings(engine="openai", base_url=server.url, model="qwen3"), engine=engine)


async def test_model_lists_the_servers_models_and_switches_the_next_turns_to_one():
    server = RecordedServer(Script(recorded("sglang_reasoning_content.sse")), models=MODELS)
    app = remote_app(server)
    try:
        async with app.run_test(size=(120, 40)) as pilot:
            await ready(pilot)
            await enter(pilot, "/model")
            listed = "Models on the server: qwen3 (in use), qwen3-big. /model NAME switches to one."
            await wait_for(pilot, lambda: listed in notices(app), what="the model list")
            await enter(pilot, "/model qwen3-big")
            await wait_for(pilot, lambda: "Now chatting with qwen3-big." in notices(app))
            status = app.chat_screen.query_one(StatusBar)
            assert status.model_name == "qwen3-big" and status.state == "ready"
            assert app.core.engine.context_limit == 65_536
            assert not app.chat_screen.query_one("#load-bar").display
            await send(pilot, "Capital of France?")
            await until_idle(pilot)
            assert server.bodies[-1]["model"] == "qwen3-big"
            assert app.core.conversation.messages[-1].content.endswith("**Paris**.")
            session_id = app.core.recorder.session_id
        session = SessionStore().load(session_id)
        assert recorded_engine(session) == ("openai", "qwen3-big", server.url)
    finally:
        server.close()


async def test_a_model_the_server_does_not_have_is_one_line_and_the_old_one_goes_on():
    server = RecordedServer(Script(recorded("sglang_reasoning_content.sse")), models=MODELS)
    app = remote_app(server)
    try:
        async with app.run_test(size=(120, 40)) as pilot:
            await ready(pilot)
            await enter(pilot, "/model qwen4")
            await wait_for(pilot, lambda: any("Could not load qwen4" in n for n in notices(app)))
            await ready(pilot)
            failure = next(n for n in notices(app) if "Could not load qwen4" in n)
            assert "has no model 'qwen4'; it serves 'qwen3', 'qwen3-big'" in failure
            assert failure.endswith("; loading qwen3 again.") and "\n" not in failure
            assert app.chat_screen.query_one(StatusBar).model_name == "qwen3"
            await send(pilot, "Capital of France?")
            await until_idle(pilot)
            assert server.bodies[-1]["model"] == "qwen3"
    finally:
        server.close()


async def test_no_switch_while_a_reply_streams():
    stream = recorded("vllm_reasoning.sse")
    server = RecordedServer(Script(stream, stall_after=len(stream) // 2), models=MODELS)
    app = remote_app(server)
    try:
        async with app.run_test(size=(120, 40)) as pilot:
            await ready(pilot)
            await send(pilot, "Capital of France?")
            await enter(pilot, "/model qwen3-big")
            assert notices(app)[-1] == (
                "A reply is under way; /model NAME again once it ends (Esc stops it)."
            )
            assert app.core.engine.model_name == "qwen3"
            await pilot.press("escape")
            await until_idle(pilot)
    finally:
        server.close()


async def test_the_demo_engine_has_one_model():
    app = make_app(RecordingEngine())
    async with app.run_test(size=(120, 40)) as pilot:
        await ready(pilot)
        engine = app.core.engine
        await enter(pilot, "/model Qwen/Qwen3-8B")
        said = "The demo engine has one model (Qwen3 demo (no model)); nothing to switch."
        assert notices(app)[-1] == said
        await enter(pilot, "/model")
        await wait_for(pilot, lambda: len([n for n in notices(app) if n == said]) == 2)
        commands = {c.title: c for c in app.get_system_commands(app.screen)}
        await commands["Model"].callback()  # the palette's entry does what /model does
        await wait_for(pilot, lambda: len([n for n in notices(app) if n == said]) == 3)
        assert app.core.engine is engine and app.core.state == "ready"


async def test_while_the_new_model_loads_the_load_bar_shows_and_a_message_waits_for_it():
    server = HeldModelsServer(Script(recorded("sglang_reasoning_content.sse")), models=MODELS)
    app = remote_app(server)
    try:
        async with app.run_test(size=(120, 40)) as pilot:
            await ready(pilot)
            server.hold = True
            await enter(pilot, "/model qwen3-big")
            load_bar = app.chat_screen.query_one("#load-bar")
            assert app.core.state == "loading" and load_bar.display
            assert app.chat_screen.query_one(StatusBar).state.startswith("loading")
            await send(pilot, "Capital of France?")
            assert app.core.pending and server.bodies == []
            server.release.set()
            await until_idle(pilot)
            assert not load_bar.display
            assert [body["model"] for body in server.bodies] == ["qwen3-big"]
    finally:
        server.release.set()
        server.close()
