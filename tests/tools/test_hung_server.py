"""A server that hangs at startup (a slow `uvx` download, a program that never answers)
never holds up quitting: the hub stops waiting for it at once, stops it, and `qwen-chat`
ends as soon as the user presses Ctrl+Q."""

from __future__ import annotations

import sys
import threading
import time
from pathlib import Path

from qwen_tui.tool_settings import McpServer, ToolSettings
from qwen_tui.tools.hub import ToolHub
from tests.config_files import write_config
from tests.pty_run import PtyRun

TEST_SERVER = str(Path(__file__).with_name("mcp_test_server.py"))
HUNG = McpServer("hung", sys.executable, (TEST_SERVER, "--slow-start", "60"))
QUIT = b"\x11"  # Ctrl+Q


def test_interrupting_the_start_returns_at_once_and_close_stops_the_server():
    hub = ToolHub(ToolSettings(servers=(HUNG,)))
    starting = threading.Thread(target=hub.start)
    starting.start()
    time.sleep(1.0)  # the server runs, and sleeps
    assert starting.is_alive()
    interrupted = time.monotonic()
    hub.interrupt()
    starting.join(timeout=5)
    assert not starting.is_alive() and time.monotonic() - interrupted < 0.5
    closed = time.monotonic()
    hub.close()
    assert time.monotonic() - closed < 5  # the SDK's grace period, then the server is killed
    assert [(f.name, f.reason) for f in hub.failures] == [
        ("hung", "it was stopped while it started")
    ]


def test_ctrl_q_quits_at_once_while_a_server_hangs_at_startup():
    write_config(
        f"[mcp_servers.hung]\ncommand = {sys.executable!r}\n"
        f"args = [{TEST_SERVER!r}, '--slow-start', '60']\n"
    )
    run = PtyRun("--engine", "demo")
    try:
        assert run.read_until(b"tools starting", timeout=60), run.output[-2000:]
        time.sleep(0.5)
    finally:
        pressed = time.monotonic()
        run.send(QUIT)
        status = run.finish(timeout=40)
    took = time.monotonic() - pressed
    # Quitting the demo chat takes about 0.9 s with no servers at all (torch unloading).
    assert status == 0 and took < 3.0, f"quitting took {took:.1f} s"
