"""The one door from the engine thread (and the tool runner's threads) into the UI.

The engine calls `EngineBridge.sink` on its own thread, up to thousands of times a second;
the tool runner calls it with each call's `ToolFinished`.
The bridge appends each event to a buffer under a lock, merges consecutive text deltas of
the same part and request, and posts a single `EngineEventsWaiting` message until the UI
drains the buffer. So the UI handles one message per frame however fast tokens come, sees
events in order, and no widget is ever touched from the engine thread.
"""

from __future__ import annotations

import threading

from textual.message import Message
from textual.message_pump import MessagePump

from qwen_tui.chat.parts import TextDelta
from qwen_tui.conversation.tool_runner import CoreEvent


class EngineEventsWaiting(Message):
    """Engine events wait in the bridge; call `EngineBridge.drain` to take them."""


class EngineBridge:
    """Buffers engine events for the UI; `sink` is thread-safe, `drain` runs on the UI."""

    def __init__(self, target: MessagePump) -> None:
        self._target = target
        self._lock = threading.Lock()
        self._events: list[CoreEvent] = []
        self._posted = False

    def sink(self, event: CoreEvent) -> None:
        """Called by the engine thread for every event."""
        with self._lock:
            self._append(event)
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
