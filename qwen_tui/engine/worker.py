"""`ThreadedEngine`: the one thread that owns a model, shared by every engine.

Subclasses implement `_load` and `_generate`; this class runs both on a single daemon
thread, serves requests one at a time in arrival order, and turns exceptions into
`EngineError` events so a failing model never takes the app down.
"""

from __future__ import annotations

import queue
import threading
import time
from abc import abstractmethod

from qwen_tui.chat.messages import FinishReason, GenerationStats
from qwen_tui.engine.base import Engine, GenerationRequest
from qwen_tui.engine.events import (
    EngineError,
    EngineReady,
    ErrorKind,
    EventSink,
    GenerationFinished,
)

_STOP = object()


class ThreadedEngine(Engine):
    """An `Engine` whose model lives on one worker thread of its own."""

    def __init__(self) -> None:
        self._requests: queue.Queue[object] = queue.Queue()
        self._cancel = threading.Event()
        self._thread: threading.Thread | None = None
        self._sink: EventSink | None = None
        self.ready = threading.Event()
        self.request_submitted_at = 0.0
        """When the request being served was submitted (`time.perf_counter()`), so its time
        to the first token counts the wait and the prompt's rendering too."""

    def start(self, sink: EventSink) -> None:
        if self._thread is not None:
            raise RuntimeError(f"{self.name} engine already started")
        self._sink = sink
        self._thread = threading.Thread(target=self._run, name=f"{self.name}-engine", daemon=True)
        self._thread.start()

    def submit(self, request: GenerationRequest) -> None:
        if self._thread is None:
            raise RuntimeError("start the engine before submitting requests")
        self._requests.put((request, time.perf_counter()))

    def cancel(self) -> None:
        self._cancel.set()

    def close(self, timeout: float = 5.0) -> None:
        self._cancel.set()
        if self._thread is not None:
            self._requests.put(_STOP)
            self._thread.join(timeout)

    @abstractmethod
    def _load(self, sink: EventSink) -> EngineReady:
        """Load the model on the engine thread, emitting LoadProgress; return readiness."""

    @abstractmethod
    def _generate(
        self, request: GenerationRequest, sink: EventSink, cancelled: threading.Event
    ) -> GenerationFinished:
        """Generate one turn, emitting deltas; check `cancelled` every step."""

    def _run(self) -> None:
        sink = self._sink
        assert sink is not None
        try:
            ready = self._load(sink)
        except Exception as exc:  # noqa: BLE001 - any load failure becomes one readable event
            sink(EngineError(_one_line(exc), _error_kind(exc)))
            return
        self.ready.set()
        sink(ready)
        while (queued := self._requests.get()) is not _STOP:
            assert isinstance(queued, tuple)
            item, self.request_submitted_at = queued
            assert isinstance(item, GenerationRequest)
            # A cancel pressed while nothing ran must not kill the next request.
            self._cancel.clear()
            try:
                sink(self._generate(item, sink, self._cancel))
            except Exception as exc:  # noqa: BLE001 - the engine thread must survive
                sink(EngineError(_one_line(exc), _error_kind(exc), item.request_id))
                sink(_failed(item.request_id))
            self._between_requests()

    def _between_requests(self) -> None:
        """Runs on the engine thread after each request's last event (nothing by default)."""


def _failed(request_id: int) -> GenerationFinished:
    stats = GenerationStats(0, 0, 0.0, 0.0, 0.0)
    return GenerationFinished(request_id, FinishReason.ERROR, stats, "", "", True)


def _error_kind(exc: BaseException) -> ErrorKind:
    kind = getattr(exc, "kind", None)
    if isinstance(kind, ErrorKind):
        return kind
    if "out of memory" in str(exc).lower():
        return ErrorKind.OUT_OF_MEMORY
    if isinstance(exc, (FileNotFoundError, OSError)):
        return ErrorKind.MODEL_MISSING
    return ErrorKind.INTERNAL


def _one_line(exc: BaseException) -> str:
    text = str(exc).strip() or type(exc).__name__
    return text.splitlines()[0] if "\n" in text and len(text) > 300 else " ".join(text.split())
