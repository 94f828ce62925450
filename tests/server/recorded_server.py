"""A stand-in for another OpenAI-compatible server on loopback: it plays back a recorded
SSE stream (or an error, a stream cut off, a stream that stalls) and keeps every request
body it got, so a test can check what the client sent."""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

STREAMS = Path(__file__).parent / "streams"


@dataclass
class Script:
    """What the server answers to `POST /v1/chat/completions`."""

    stream: bytes = b""
    status: int = 200
    error: dict[str, Any] | None = None
    headers: dict[str, str] = field(default_factory=dict)
    stall_after: int | None = None
    """Send this many bytes of `stream`, then nothing until the server is closed."""
    cut_after: int | None = None
    """Send this many bytes of `stream`, then close the connection."""


def recorded(name: str) -> bytes:
    """A stream from `streams/` as the server sent it."""
    return (STREAMS / name).read_bytes()


class RecordedServer:
    """Serves `models` at /v1/models and `script` at /v1/chat/completions."""

    def __init__(self, script: Script, models: list[dict[str, Any]] | None = None) -> None:
        self.script = script
        self.models = models if models is not None else [{"id": "qwen3", "object": "model"}]
        self.bodies: list[dict[str, Any]] = []
        self.next_scripts: list[Script] = []
        """Answers for the next requests, one each, before `script` again."""
        self.closing = threading.Event()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._server.daemon_threads = True
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}/v1"

    def close(self) -> None:
        self.closing.set()
        self._server.shutdown()
        self._server.server_close()

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: Any) -> None:
                pass

            def do_GET(self) -> None:
                self._json(200, {"object": "list", "data": server.models})

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length", 0))
                server.bodies.append(json.loads(self.rfile.read(length)))
                script = server.next_scripts.pop(0) if server.next_scripts else server.script
                if script.status != 200:
                    self._json(script.status, {"error": script.error}, script.headers)
                    return
                self.send_response(200)
                self.send_header("Content-Type", "text/event-stream")
                self.send_header("Connection", "close")  # the body ends where the stream does
                self.end_headers()
                limit = script.stall_after if script.stall_after is not None else script.cut_after
                self.wfile.write(script.stream[:limit])
                self.wfile.flush()
                if script.stall_after is not None:
                    server.closing.wait()
                self.close_connection = True

            def _json(
                self, status: int, body: object, headers: dict[str, str] | None = None
            ) -> None:
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                for name, value in (headers or {}).items():
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(data)

        return Handler
