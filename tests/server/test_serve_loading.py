"""While the model loads, serve listens and says so: /health is 503 until the model is
ready, and a request gets 503 with Retry-After; a model that fails to load stops serve."""

from __future__ import annotations

import http.client
import json
import threading
import time

import uvicorn
from typer.testing import CliRunner

from qwen_tui.cli import app
from qwen_tui.commands.serve_console import listen
from qwen_tui.config import Settings
from qwen_tui.engine.events import EngineReady, EventSink
from qwen_tui.engine.scripted.demo import DemoEngine
from qwen_tui.server.routes import create_app
from qwen_tui.server.serving import Serving


class HeldLoadEngine(DemoEngine):
    """The demo engine, loading until the test lets it finish."""

    def __init__(self) -> None:
        super().__init__(tokens_per_s=float("inf"), load_s=0)
        self.loaded = threading.Event()

    def _load(self, sink: EventSink) -> EngineReady:
        self.loaded.wait(30)
        return super()._load(sink)


def _get(address: tuple[str, int], method: str, path: str, body: dict | None = None):
    connection = http.client.HTTPConnection(*address, timeout=30)
    data = json.dumps(body).encode() if body is not None else None
    connection.request(method, path, body=data, headers={"Content-Type": "application/json"})
    response = connection.getresponse()
    return response.status, dict(response.getheaders()), json.loads(response.read())


def test_health_is_503_while_loading_and_200_once_ready():
    engine = HeldLoadEngine()
    sock = listen("127.0.0.1", 0)
    address = sock.getsockname()[:2]
    server = uvicorn.Server(
        uvicorn.Config(create_app(Serving(engine, Settings())), log_level="warning")
    )
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    try:
        status, _, body = _get(address, "GET", "/health")
        assert (status, body["status"]) == (503, "loading")
        request = {"messages": [{"role": "user", "content": "Hi"}]}
        status, headers, body = _get(address, "POST", "/v1/chat/completions", request)
        assert status == 503 and "retry-after" in headers
        assert "still loading" in body["error"]["message"]
        engine.loaded.set()
        while _get(address, "GET", "/health")[0] != 200:
            time.sleep(0.02)
        status, _, body = _get(address, "POST", "/v1/chat/completions", request)
        assert status == 200 and body["choices"][0]["message"]["content"]
    finally:
        engine.loaded.set()
        server.should_exit = True
        thread.join(10)


def test_a_model_that_fails_to_load_stops_serve_with_one_line(tmp_path):
    result = CliRunner().invoke(app, ["serve", "--model", str(tmp_path / "nothing"), "--port", "0"])
    assert result.exit_code == 2
    lines = result.stderr.strip().splitlines()
    assert lines[-1].startswith("qwen-chat: error:") and "does not exist" in lines[-1]
