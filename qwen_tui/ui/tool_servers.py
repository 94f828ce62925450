"""`ToolServers`: the chat's MCP servers, started off the UI thread.

Servers take seconds to start (a `uvx` download, a slow program), so the `ToolHub` starts
on a worker thread while the model loads (`tool_status.start_tool_servers`). Until
then the model is offered the tools of the servers that are up so far. The core runs
calls through `runner`, whose results go to the sink the screen connects (its engine
bridge). `close` stops the servers once, even while they are still starting: quitting
then never waits for a server that hangs at startup.
"""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING

from qwen_tui.conversation.hub_runner import HubToolRunner
from qwen_tui.conversation.tool_runner import ToolFinished, ToolSink
from qwen_tui.tool_settings import ToolSettings

if TYPE_CHECKING:  # the hub imports the MCP SDK: only once servers are configured
    from qwen_tui.tools.hub import ToolHub


class ToolServers:
    """The hub of `settings`' servers and the runner the core uses."""

    def __init__(self, settings: ToolSettings) -> None:
        from qwen_tui.tools.hub import ToolHub

        self.hub: ToolHub = ToolHub(settings)
        self.runner = HubToolRunner(self.hub, self._deliver)
        self.starting = True
        """The servers are still starting."""
        self._sink: ToolSink | None = None
        self._lock = threading.Lock()
        self._closing = False

    def connect(self, sink: ToolSink) -> None:
        """Where the runner's results go (the screen's engine bridge)."""
        self._sink = sink

    def start(self) -> str:
        """Start every server (blocking: on a worker thread); "" or what went wrong."""
        problem = ""
        try:
            self.hub.start()
        except Exception as exc:  # noqa: BLE001 - a hub that cannot start is a notice
            problem = f"The MCP servers could not be started: {exc}"
        with self._lock:
            self.starting = False
            closing = self._closing
        if closing:  # the app ended while they started: stop them, not holding up its exit
            threading.Thread(target=self.hub.close, name="mcp-stop", daemon=True).start()
        return problem

    def close(self) -> None:
        """Stop the servers; if they are still starting, `start` stops waiting for them
        at once and stops them."""
        with self._lock:
            self._closing = True
            if self.starting:
                self.hub.interrupt()
                return
        self.hub.close()

    def _deliver(self, finished: ToolFinished) -> None:
        if self._sink is not None:
            self._sink(finished)
