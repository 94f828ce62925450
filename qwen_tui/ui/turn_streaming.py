"""Engine events into the chat screen: the live turn's text and its end, load progress,
errors, and Esc, which ends the live turn at once with what streamed so far.

A mixin of `TurnDriver`, on the UI thread only. Events arrive drained from the
`EngineBridge`; a lock keeps the screen's regular drain and Esc's own from interleaving.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from qwen_tui.chat.messages import FinishReason, Message, Role
from qwen_tui.chat.turn_plan import TurnPlan
from qwen_tui.engine.base import EngineError, EngineReady, GenerationFinished, LoadProgress
from qwen_tui.ui.engine_bridge import BridgedEvent, StreamChunk
from qwen_tui.ui.widgets.assistant_turn import AssistantTurn

if TYPE_CHECKING:
    from qwen_tui.ui.turn_driver import TurnDriver

    _Base = TurnDriver
else:
    _Base = object


@dataclass
class LiveTurn:
    """The turn on screen that is still streaming."""

    request_id: int
    widget: AssistantTurn
    plan: TurnPlan


class TurnStreaming(_Base):
    """Applies engine events to the screen, the conversation and the session file."""

    async def handle(self, events: list[BridgedEvent]) -> None:
        """Apply drained engine events, in order (never interleaved with Esc's own drain)."""
        async with self._events_lock:
            await self._apply(events)

    async def cancel(self) -> bool:
        """Esc: stop the live turn at once, keeping what streamed; False if none."""
        live = self.live
        if live is None:
            return False
        self.engine.cancel()
        async with self._events_lock:
            await self._apply(self.screen.drain_bridge())
        if self.live is not live:  # the engine finished it meanwhile
            return True
        message = Message(
            Role.ASSISTANT,
            live.widget.answer.text,
            live.widget.thinking.text,
            bool(live.widget.answer.text),
            live.plan.turn_settings(),
            FinishReason.CANCELLED,
        )
        await self._end_live_turn(message)
        return True

    async def _apply(self, events: list[BridgedEvent]) -> None:
        for event in events:
            if isinstance(event, StreamChunk):
                await self._stream(event)
            elif isinstance(event, GenerationFinished):
                await self._finished(event)
            elif isinstance(event, LoadProgress):
                self.screen.show_load_progress(event)
            elif isinstance(event, EngineReady):
                self.state = "ready"
                self.screen.show_ready(event)
                await self.send_next()
            elif isinstance(event, EngineError):
                self._error(event)

    async def _stream(self, chunk: StreamChunk) -> None:
        live = self.live
        if live is None or live.request_id != chunk.request_id:
            # The turn was stopped with Esc but the engine has not noticed yet: ask again.
            self.engine.cancel()
            return
        self.recording.deltas(chunk.kind, chunk.parts)
        if chunk.kind == "thinking":
            live.widget.add_thinking(chunk.text, chunk.deltas)
        else:
            await live.widget.add_answer(chunk.text)

    async def _finished(self, event: GenerationFinished) -> None:
        if event.request_id == self.in_engine:
            self.in_engine = None
        live = self.live
        if live is not None and live.request_id == event.request_id:
            message = Message(
                Role.ASSISTANT,
                event.answer,
                event.thinking,
                event.thinking_finished,
                live.plan.turn_settings(),
                event.reason,
                event.stats,
            )
            await self._end_live_turn(message)
            self.screen.show_stats(event.stats)
        self.screen.set_generating(self.busy)
        await self.send_next()

    def _error(self, event: EngineError) -> None:
        if self.state == "loading":
            self.state = "failed"
            self.load_error = event.message
            self.screen.show_load_failed(event.message)
        self.screen.notify(event.message, title="Engine error", severity="error", timeout=10)

    async def _end_live_turn(self, message: Message) -> None:
        live = self.live
        assert live is not None
        self.live = None
        self.conversation.messages.append(message)
        self.recording.assistant(message)
        self.screen.refresh_context()
        self.screen.set_generating(self.busy)
        await live.widget.finish(message)
