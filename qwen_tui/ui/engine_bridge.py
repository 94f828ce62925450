"""The one door from the engine thread (and the tool runner's threads) into the UI.

The engine calls `EngineBridge.sink` on its own thread, up to thousands of times a second;
the tool runner calls it with each call's `ToolFinished`.
The bridge appends each event to a buffer under a lock, merges consecutive text deltas of
the same part and request, and posts a single `EngineEventsWaiting` message until the UI
drains the buffer. So the UI handles one message per frame however fast tokens come, sees
events in order, and no widget is ever touched from the engine thread.

`watch_reply` lets the UI wait, without holding the GIL, until a request's prompt is read:
the turn driver holds a new turn's widgets back until then (`turn_driver.py`).
"""

from __future__ import annotations

import asyncio
import threading

from textual.message import Message
from textual.message_pump import MessagePump

from qwen_tui.chat.parts import TextDelta
from qwen_tui.conversation.tool_runner import CoreEvent
from qwen_tui.engine.events import EngineError, GenerationFinished


class EngineEventsWaiting(Message):
    """Engine events wait in the bridge; call `EngineBridge.drain` to take them."""


class EngineBridge:
    """Buffers engine events for the UI; `sink` is thread-safe, `drain` runs on the UI."""

    def __init__(self, target: MessagePump) -> None:
        self._target = target
        self._lock = threading.Lock()
        self._events: list[CoreEvent] = []
        self._posted = False
        self._awaited: tuple[int, asyncio.AbstractEventLoop, asyncio.Event] | None = None

    def sink(self, event: CoreEvent) -> None:
        """Called by the engine thread for every event."""
        with self._lock:
            self._append(event)
            if self._awaited is not None and _ends_prefill(event, self._awaited[0]):
                _, loop, arrived = self._awaited
                self._awaited = None
                loop.call_soon_threadsafe(arrived.set)
            if self._posted:
                return
            self._posted = True
        self._target.post_message(EngineEventsWaiting())

    def drain(self) -> list[CoreEvent]:
        """Every event since the last drain, in order; re-arms the next notification."""
        with self._lock:
            events, self._events = self._events, []
            self._posted = False
        return events

    def watch_reply(self, request_id: int) -> asyncio.Event:
        """An event of the running loop, set once request `request_id`'s first delta (or
        its end) has come."""
        arrived = asyncio.Event()
        with self._lock:
            if any(_ends_prefill(event, request_id) for event in self._events):
                arrived.set()
            else:
                self._awaited = (request_id, asyncio.get_running_loop(), arrived)
        return arrived

    def _append(self, event: CoreEvent) -> None:
        last = self._events[-1] if self._events else None
        if (
            isinstance(event, TextDelta)
            and isinstance(last, TextDelta)
            and last.part is event.part
            and last.request_id == event.request_id
        ):
            self._events[-1] = last.merged(event)
        else:
            self._events.append(event)


def _ends_prefill(event: CoreEvent, request_id: int) -> bool:
    """Whether `event` says request `request_id` has read its prompt: its first delta, its
    end, or an error (one of loading, with no request, too)."""
    if isinstance(event, EngineError):
        return event.request_id in (request_id, None)
    return isinstance(event, TextDelta | GenerationFinished) and event.request_id == request_id
