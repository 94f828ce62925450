"""`ToolHub`: the configured MCP servers, running on one background event loop, behind
blocking calls any front-end can make from a worker thread.

The SDK is async; the chat UI, `run` and `serve` each have their own threads and loops.
One anyio portal thread owns every server connection, so a call is just a blocking
`call(name, arguments)` that returns a `ToolResult`, whatever happens: an unknown tool, a
timeout, a server that raised or died all come back as error results for the model.
"""

from __future__ import annotations

import threading
import time
from concurrent.futures import CancelledError, Future
from contextlib import AbstractContextManager
from typing import Any

from anyio.from_thread import BlockingPortal, start_blocking_portal
from mcp.shared.exceptions import MCPError
from mcp.types import CallToolResult

from qwen_tui.tool_settings import ToolSettings
from qwen_tui.tools.mcp_client import ServerConnection, content_text
from qwen_tui.tools.results import ToolResult, capped_result, error_result
from qwen_tui.tools.server_tools import McpTool, ServerFailure

STOP_SECONDS = 5.0


class ToolHub:
    """Starts the servers of `settings` on `start`; `close` stops them."""

    def __init__(self, settings: ToolSettings) -> None:
        self.settings = settings
        self._portal_context: AbstractContextManager[BlockingPortal] | None = None
        self._portal: BlockingPortal | None = None
        self._connections: list[ServerConnection] = []
        self._runs: list[Future[None]] = []
        self._running: Future[Any] | None = None  # the call in flight, for `cancel`
        self._done_waiting = threading.Event()

    def start(self) -> None:
        """Start every server at once and wait until each lists its tools or fails, or
        until `interrupt` is called."""
        if not self.settings.servers or self._portal is not None:
            return
        self._portal_context = start_blocking_portal()
        portal = self._portal = self._portal_context.__enter__()
        for server in self.settings.servers:
            connection = portal.call(ServerConnection, server)
            self._connections.append(connection)
            self._runs.append(portal.start_task_soon(connection.run))
        ready = portal.start_task_soon(self._all_ready)
        ready.add_done_callback(lambda _: self._done_waiting.set())
        self._done_waiting.wait()

    def interrupt(self) -> None:
        """Make a `start` under way on another thread return now (the app is quitting);
        the servers still starting go on until `close` stops them. Safe from any thread."""
        self._done_waiting.set()

    @property
    def tools(self) -> tuple[McpTool, ...]:
        """The tools of the servers that are running, in config order."""
        return tuple(t for c in self._connections if c.error is None for t in c.tools)

    @property
    def running(self) -> tuple[str, ...]:
        """The names of the servers that started and still run, in config order."""
        return tuple(c.server.name for c in self._connections if c.error is None)

    @property
    def failures(self) -> tuple[ServerFailure, ...]:
        return tuple(ServerFailure(c.server.name, c.error) for c in self._connections if c.error)

    def tool_specs(self) -> list[dict[str, Any]]:
        """The tools as the chat template's `tools` argument lists them."""
        return [tool.spec() for tool in self.tools]

    def call(
        self, name: str, arguments: dict[str, Any], cancelled: threading.Event | None = None
    ) -> ToolResult:
        """Run the tool `name` (`server.tool`); every failure is an error result. A
        `cancelled` event set before the call got under way cancels it as it starts (a
        `cancel` from another thread may come before this thread has begun it)."""
        found = {tool.qualified_name: tool for tool in self.tools}.get(name)
        if found is None or self._portal is None:
            known = ", ".join(sorted(t.qualified_name for t in self.tools)) or "none"
            return error_result(f"there is no tool {name!r}; the tools are: {known}")
        connection = next(c for c in self._connections if c.server.name == found.server)
        timeout = self.settings.call_timeout
        started = time.monotonic()
        running = self._portal.start_task_soon(connection.call, found.name, arguments, timeout)
        self._running = running
        if cancelled is not None and cancelled.is_set():
            running.cancel()
        try:
            result = running.result()
        except CancelledError:
            return error_result(f"{name} was cancelled by the user", time.monotonic() - started)
        except TimeoutError:
            seconds = time.monotonic() - started
            return error_result(
                f"{name} did not finish within {timeout:g} s; it was stopped", seconds
            )
        except MCPError as exc:
            return error_result(f"{name}: {_one_line(exc)}", time.monotonic() - started)
        except Exception as exc:  # a broken connection, a server that died mid-call
            return error_result(f"{name} failed: {_one_line(exc)}", time.monotonic() - started)
        finally:
            self._running = None
        seconds = time.monotonic() - started
        if not isinstance(result, CallToolResult):
            return error_result(f"{name} asked for input, which qwen-chat cannot give", seconds)
        return capped_result(
            content_text(result.content),
            is_error=result.is_error,
            seconds=seconds,
            max_chars=self.settings.max_result_chars,
        )

    def cancel(self) -> None:
        """Stop the call in flight (Esc); its `call` returns a "cancelled" error result.
        Safe from any thread."""
        running = self._running
        if running is not None:
            running.cancel()

    def close(self) -> None:
        """Stop every server (one still starting at once) and the loop; safe to call
        twice."""
        portal, context = self._portal, self._portal_context
        if portal is None or context is None:
            return
        for connection in self._connections:
            portal.call(connection.stop)
        for run in self._runs:
            try:
                run.result(timeout=STOP_SECONDS)
            except Exception:  # a server that will not stop is left to its process group
                pass
        self._portal = self._portal_context = None
        context.__exit__(None, None, None)

    async def _all_ready(self) -> None:
        for connection in self._connections:
            await connection.wait_ready()

    def __enter__(self) -> ToolHub:
        self.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()


def _one_line(exc: BaseException) -> str:
    text = " ".join(str(exc).split()) or type(exc).__name__
    return text if len(text) <= 300 else text[:299] + "…"
