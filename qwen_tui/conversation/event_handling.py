"""`EventHandling`: what the engine and the tool runner report, applied to the live turn;
a part of `ConversationCore`.

The engine's events stream the reply (`TextDelta`), end it (`GenerationFinished`), and
say how loading goes; a tool runner's `ToolFinished` carries a call's result. An ended
reply joins the conversation and its session, and the tool loop decides whether another
model step follows. Each event may let the next queued message go out.
"""

from __future__ import annotations

from collections.abc import Callable

from qwen_tui.chat.messages import Message
from qwen_tui.chat.parts import TextDelta
from qwen_tui.conversation.core_state import CoreState, EngineState
from qwen_tui.conversation.tool_runner import CoreEvent, ToolFinished
from qwen_tui.conversation.updates import (
    LoadFailed,
    Loading,
    Ready,
    Severity,
    TextStreamed,
    ToolCallWritten,
    TurnEnded,
    Update,
)
from qwen_tui.engine.events import (
    EngineError,
    EngineReady,
    GenerationFinished,
    LoadProgress,
)


class EventHandling(CoreState):
    """Engine events and tool results in; the live turn streamed, ended or stopped."""

    _send_next: Callable[[], None]

    def handle(self, event: CoreEvent) -> list[Update]:
        """Apply one engine event, or the result of a tool call."""
        if isinstance(event, ToolFinished):
            self.tool_loop.finished(event)
            self._send_next()
        elif isinstance(event, TextDelta):
            self._streamed(event)
        elif isinstance(event, GenerationFinished):
            self._finished(event)
        elif isinstance(event, LoadProgress):
            self._post(Loading(event))
        elif isinstance(event, EngineReady):
            self.state = EngineState.READY
            self._post(Ready(event))
            self._send_next()
        elif isinstance(event, EngineError):
            if self.state is EngineState.LOADING:
                self.state = EngineState.FAILED
                self.load_error = event.message
                self._post(LoadFailed(event.message))
            self._notice(event.message, Severity.ERROR, "Engine error")
        return self._take()

    def _streamed(self, delta: TextDelta) -> None:
        live = self.live
        if live is None or live.request_id != delta.request_id:
            # The turn was stopped but the engine has not noticed yet: ask again.
            self.engine.cancel()
            return
        for shown in self.tool_loop.shown(delta):
            if isinstance(shown, TextDelta):
                live.add(shown)
                self._post(TextStreamed(live, shown))
            else:
                self._post(ToolCallWritten(live, shown))

    def _finished(self, event: GenerationFinished) -> None:
        if event.request_id == self.in_engine:
            self.in_engine = None
        live = self.live
        if live is not None and live.request_id == event.request_id:
            for held in self.tool_loop.held():
                live.add(held)
                self._post(TextStreamed(live, held))
            self._end_live(self.tool_loop.reply(live.finished(event)))
        self._send_next()

    def _end_live(self, message: Message) -> None:
        live = self.live
        assert live is not None
        self.live = None
        self.conversation.messages.append(message)
        self.recording.assistant(message, live.take_timeline())
        self._post(TurnEnded(live, message, not self.tool_loop.goes_on(live.step, message)))
        self.tool_loop.after_reply(live.step, message)

    def _stop_live(self) -> None:
        live = self.live
        if live is not None:
            self.engine.cancel()
            self._end_live(live.stopped())
