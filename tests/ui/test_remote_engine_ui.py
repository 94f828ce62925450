"""The chat on `--engine openai`: the status bar names the server and the model, a reply
streams with its thinking apart, and a stream cut off keeps its partial reply, marked."""

from __future__ import annotations

from ui_harness import assistant_turns, make_app, ready, send, until_idle

from qwen_tui.chat.messages import FinishReason
from qwen_tui.config import Settings
from qwen_tui.engine.remote.engine import OpenAIEngine, RemoteSpec
from qwen_tui.ui.widgets.status_bar import StatusBar
from tests.server.recorded_server import RecordedServer, Script, recorded


def _app(server: RecordedServer):
    engine = OpenAIEngine(RemoteSpec(base_url=server.url, model="qwen3"))
    return make_app(engine, settings=Settings(engine="openai", base_url=server.url))


async def test_the_status_bar_names_the_server_and_the_model_and_a_reply_streams():
    server = RecordedServer(Script(recorded("sglang_reasoning_content.sse")))
    app = _app(server)
    try:
        async with app.run_test() as pilot:
            await ready(pilot)
            status = app.chat_screen.query_one(StatusBar)
            assert status.engine_name == server.url.split("/")[2] and status.model_name == "qwen3"
            await send(pilot, "Capital of France?")
            await until_idle(pilot)
            reply = app.core.conversation.messages[-1]
            assert reply.content == "The capital of France is **Paris**."
            assert reply.thinking.startswith("The user asks for the capital of France.")
            assert status.last_stats is not None and status.last_stats.generated_tokens == 27
    finally:
        server.close()


async def test_a_stream_cut_off_keeps_the_partial_reply_marked_and_the_chat_goes_on():
    stream = recorded("vllm_reasoning.sse")
    server = RecordedServer(Script(stream, cut_after=stream.index(b'"content":" is"')))
    app = _app(server)
    # Every toast the chat raised, kept: a toast leaves `app._notifications` when it
    # expires, which a slow CI machine can reach before the assertion below.
    toasts: list[str] = []
    notify = app.notify

    def recording(message, *args, **kwargs) -> None:
        toasts.append(str(message))
        notify(message, *args, **kwargs)

    app.notify = recording  # type: ignore[method-assign]
    try:
        async with app.run_test() as pilot:
            await ready(pilot)
            await send(pilot, "Capital of France?")
            await until_idle(pilot)
            reply = app.core.conversation.messages[-1]
            assert reply.content == "The capital of France"
            assert reply.finish_reason is FinishReason.ERROR
            assert "failed" in str(assistant_turns(app)[-1].query_one(".turn-note").render())
            assert any("cut off" in toast for toast in toasts)
            server.script = Script(stream)
            await send(pilot, "Again?")
            await until_idle(pilot)
            assert app.core.conversation.messages[-1].content.endswith("**Paris**.")
    finally:
        server.close()
