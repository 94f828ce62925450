"""What `qwen-chat serve` shows while it starts: the load's progress bar on stderr, then
the URL on stdout once the model is ready (or the load's failure, in one line)."""

from __future__ import annotations

import ipaddress
import socket
import sys
from collections.abc import Callable

from rich.console import Console
from rich.progress import BarColumn, Progress, TaskID, TextColumn, TimeElapsedColumn

from qwen_tui.engine.events import EngineError, EngineEvent, EngineReady, LoadProgress

_GIB = 1024**3


def is_loopback(host: str) -> bool:
    """Whether `host` is reachable from this machine only."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def listen(host: str, port: int) -> socket.socket:
    """A socket bound to `host:port`, listening; OSError if it cannot be."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    return socket.create_server((host.strip("[]"), port), family=family)


def base_url(sock: socket.socket) -> str:
    """The URL clients use for the API behind `sock` (the port the system gave for 0)."""
    host, port = sock.getsockname()[:2]
    shown = f"[{host}]" if ":" in host else host
    return f"http://{shown}:{port}/v1"


class LoadConsole:
    """Shows the load as the server's engine reports it; `failed` holds the error, if any."""

    def __init__(self, url: str, model_id: str, on_failure: Callable[[], None]) -> None:
        self.url = url
        self.model_id = model_id
        self.on_failure = on_failure
        self.failed: str | None = None
        self._progress = Progress(
            TextColumn("{task.description}"),
            BarColumn(),
            TextColumn("{task.fields[amount]}"),
            TimeElapsedColumn(),
            console=Console(stderr=True),
        )
        self._task: TaskID | None = None

    def show(self, event: EngineEvent) -> None:
        if isinstance(event, LoadProgress):
            self._advance(event)
        elif isinstance(event, EngineReady):
            self._stop_bar()
            served = self.model_id
            if event.model_name and event.model_name != served:
                served += f" ({event.model_name})"
            sys.stdout.write(f"Serving {served} at {self.url} (Ctrl+C stops)\n")
            sys.stdout.flush()
        elif isinstance(event, EngineError):
            self._stop_bar()
            self.failed = event.message
            self.on_failure()

    def _advance(self, event: LoadProgress) -> None:
        if event.unit == "bytes":
            amount = f"{event.done / _GIB:.1f}/{event.total / _GIB:.1f} GiB"
        else:
            amount = f"{event.done}/{event.total} {event.unit}"
        description = event.message or "Loading"
        if self._task is None:
            self._progress.start()
            self._task = self._progress.add_task(description, total=event.total, amount=amount)
        self._progress.update(
            self._task,
            completed=event.done,
            total=event.total,
            description=description,
            amount=amount,
        )

    def _stop_bar(self) -> None:
        if self._task is not None:
            self._progress.stop()
            self._task = None
