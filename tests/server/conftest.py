"""Real `qwen-chat serve` processes on loopback, started once for the tests that share them."""

from __future__ import annotations

import pytest

from tests.server.serve_process import ServeProcess

API_KEY = "s3cret-test-key"


@pytest.fixture(scope="session")
def demo_server(tmp_path_factory):
    """The demo engine at full speed, saving each request as a session."""
    server = ServeProcess(tmp_path_factory.mktemp("serve-demo"), "--engine", "demo", "--save")
    yield server
    server.stop()


@pytest.fixture(scope="session")
def slow_server(tmp_path_factory):
    """The demo engine at 40 tokens/s (a reply takes about 6 s), one request waiting at most."""
    root = tmp_path_factory.mktemp("serve-slow")
    server = ServeProcess(root, "--engine", "demo", "--save", "--queue-size", "1", demo_speed="40")
    yield server
    server.stop()


@pytest.fixture(scope="session")
def keyed_server(tmp_path_factory):
    root = tmp_path_factory.mktemp("serve-key")
    server = ServeProcess(root, "--engine", "demo", "--api-key", API_KEY)
    yield server
    server.stop()


@pytest.fixture
def unused_url() -> str:
    """The URL of a loopback port nothing listens on."""
    import socket

    with socket.create_server(("127.0.0.1", 0)) as probe:
        port = probe.getsockname()[1]
    return f"http://127.0.0.1:{port}/v1"
