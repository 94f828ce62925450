"""`serve`'s app on loopback in this process, over an engine that replies as told and keeps
every request: for tests that check what reached the model and how a reply came back."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager

import openai
import uvicorn

from qwen_tui.commands.serve_console import base_url, listen
from qwen_tui.config import Settings
from qwen_tui.engine.base import GenerationRequest
from qwen_tui.server.routes import create_app
from qwen_tui.server.serving import Serving
from tests.recording_engine import RecordingEngine


class ScriptedEngine(RecordingEngine):
    """Replies with `answer` (and `thinking`) when set, else as the demo does."""

    def __init__(self) -> None:
        super().__init__()
        self.answer: str | None = None
        self.thinking = ""

    def compose_reply(self, request: GenerationRequest) -> tuple[str, str]:
        if self.answer is None:
            return super().compose_reply(request)
        return self.thinking, self.answer


@contextmanager
def scripted_server(engine: ScriptedEngine) -> Iterator[openai.OpenAI]:
    """A client of the app serving `engine`, once its model is ready."""
    sock = listen("127.0.0.1", 0)
    config = uvicorn.Config(create_app(Serving(engine, Settings())), log_level="warning")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    client = openai.OpenAI(base_url=base_url(sock), api_key="EMPTY", max_retries=2, timeout=30)
    try:
        client.models.list()  # answers once the app has started
        yield client
    finally:
        server.should_exit = True
        thread.join(10)
