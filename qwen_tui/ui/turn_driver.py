"""`TurnDriver`: sends turns to the engine and streams its events into the chat screen.

It owns the conversation the model sees, the queue of prompts waiting for the engine, the
live turn and the session recorder. It runs on the UI thread only; the engine reaches it
through the `EngineBridge`. One request is in the engine at a time: a prompt sent while
the model loads or answers waits in the queue, and after Esc the next one waits until
the engine has really stopped.
"""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, TypeVar

from qwen_tui.chat.history import template_messages
from qwen_tui.chat.messages import Conversation, FinishReason, Message, Role
from qwen_tui.chat.turn_plan import TurnPlan, plan_turn
from qwen_tui.config import Settings
from qwen_tui.engine.base import (
    Engine,
    EngineError,
    EngineReady,
    GenerationFinished,
    GenerationRequest,
    LoadProgress,
)
from qwen_tui.ui.context_budget import accepted, drop_oldest_turns, judge_turn
from qwen_tui.ui.engine_bridge import BridgedEvent, StreamChunk
from qwen_tui.ui.screens.budget_screen import BudgetChoice, BudgetScreen
from qwen_tui.ui.widgets.assistant_turn import AssistantTurn

if TYPE_CHECKING:
    from qwen_tui.sessions import SessionRecorder
    from qwen_tui.ui.screens.chat_screen import ChatScreen

RecorderFactory = Callable[[], "SessionRecorder | None"]
T = TypeVar("T")


@dataclass
class LiveTurn:
    """The turn on screen that is still streaming."""

    request_id: int
    widget: AssistantTurn
    plan: TurnPlan


class TurnDriver:
    """The conversation's traffic with the engine, for one `ChatScreen`."""

    def __init__(
        self,
        screen: ChatScreen,
        engine: Engine,
        settings: Settings,
        conversation: Conversation,
        recorder_factory: RecorderFactory | None,
    ) -> None:
        self.screen = screen
        self.engine = engine
        self.settings = settings
        self.conversation = conversation
        self.state = "loading"  # then "ready" or "failed"
        self.load_error = ""
        self.pending: deque[str] = deque()
        self.live: LiveTurn | None = None
        self.in_engine: int | None = None  # the request the engine still works on
        self.short_replies_ok = False
        self.choosing = False  # the budget dialog is open
        # Events are applied by the screen's message loop; Esc drains from a key handler.
        self._events_lock = asyncio.Lock()
        self._next_id = 1
        self._recorder_factory = recorder_factory
        self.recorder: SessionRecorder | None = None

    # -- conversations -------------------------------------------------------------------

    def start_recording(self) -> None:
        """Ask the factory for the recorder of the conversation that starts now."""
        self.stop_recording()
        if self._recorder_factory is not None:
            self.recorder = self._guard(self._recorder_factory)

    def stop_recording(self) -> None:
        if self.recorder is not None:
            self._guard(self.recorder.close)
            self.recorder = None

    async def new_conversation(self) -> None:
        """Stop any reply, forget the history and the queue, start a new session."""
        await self._switch(Conversation(self.conversation.system_prompt), None)

    async def continue_session(self, conversation: Conversation, recorder: SessionRecorder) -> None:
        """Stop any reply and the queue, then go on with a saved `conversation`, recording
        into `recorder` (opened on its session, lock held)."""
        await self._switch(conversation, recorder)

    async def _switch(self, conversation: Conversation, recorder: SessionRecorder | None) -> None:
        await self.cancel()  # the stopped reply is saved in the session it belongs to
        self.pending.clear()
        self.conversation = conversation
        self.short_replies_ok = False
        if recorder is None:
            self.start_recording()
        else:
            self.stop_recording()
            self.recorder = recorder
        await self.screen.show_conversation(self.conversation)

    def base_thinking(self) -> bool:
        """The mode the next turn runs in if the pending message has no soft switch."""
        plan = plan_turn(self.conversation, "", self.settings)
        return plan.thinking

    @property
    def busy(self) -> bool:
        return self.in_engine is not None or self.live is not None or self.choosing

    # -- sending -------------------------------------------------------------------------

    async def send(self, text: str) -> bool:
        """Send `text` now, or queue it; False if it was refused (the engine failed)."""
        if self.state == "failed":
            self.screen.notify(
                f"The engine failed to load ({self.load_error}); nothing can be sent. "
                "Quit and fix it, or run qwen-chat --engine demo.",
                severity="error",
            )
            return False
        if self.state == "loading" or self.busy or self.pending:
            self.pending.append(text)
            why = "the model is ready" if self.state == "loading" else "the current reply ends"
            self.screen.notify(f"Queued ({len(self.pending)}): it is sent when {why}.")
            return True
        await self._start(text)
        return True

    async def send_next(self) -> None:
        """Send the oldest queued prompt if the engine is free."""
        if self.pending and self.state == "ready" and not self.busy:
            await self._start(self.pending.popleft())

    async def _start(self, text: str) -> None:
        plan = plan_turn(self.conversation, text, self.settings, self._quantized())
        for warning in plan.warnings:
            self.screen.notify(warning, severity="warning")
        budget = judge_turn(self.engine, self.conversation, plan, self.short_replies_ok)
        if accepted(budget, self.short_replies_ok):
            plan = replace(plan, max_new_tokens=budget.max_new_tokens)
            await self._submit(text, plan, budget.prompt_tokens)
            return

        async def chosen(choice: BudgetChoice | None) -> None:
            self.choosing = False
            await self._after_budget_choice(text, choice, budget.turns_to_drop or 0)

        self.choosing = True
        self.screen.app.push_screen(BudgetScreen(budget), chosen)

    async def _after_budget_choice(
        self, text: str, choice: BudgetChoice | None, turns_to_drop: int
    ) -> None:
        if choice is None:
            self.screen.restore_input(text)
            await self.send_next()
            return
        if choice is BudgetChoice.SHORTER:
            self.short_replies_ok = True
        elif choice is BudgetChoice.DROP:
            drop_oldest_turns(self.conversation, turns_to_drop)
            self.screen.mark_dropped_turns(turns_to_drop)
            self.screen.notify(f"The oldest {turns_to_drop} turn(s) left the model's context.")
        else:
            await self.new_conversation()
        await self._start(text)

    async def _submit(self, text: str, plan: TurnPlan, prompt_tokens: int) -> None:
        request_id, self._next_id = self._next_id, self._next_id + 1
        request = GenerationRequest.from_plan(plan, request_id)
        user = self.conversation.add_user(text)
        if self.recorder is not None:
            self._guard(lambda: self.recorder.record_user(user))
        self.in_engine = request_id  # busy from here on, before the widgets mount
        widget = await self.screen.add_turns(text, plan.thinking)
        self.live = LiveTurn(request_id, widget, plan)
        self.engine.submit(request)
        self.screen.set_generating(True)
        self.screen.show_context_used(prompt_tokens)

    # -- engine events -------------------------------------------------------------------

    async def handle(self, events: list[BridgedEvent]) -> None:
        """Apply drained engine events, in order (never interleaved with Esc's own drain)."""
        async with self._events_lock:
            await self._apply(events)

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
        if self.recorder is not None:
            for part in chunk.parts:
                self._guard(lambda part=part: self.recorder.record_delta(chunk.kind, part))
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

    # -- stopping ------------------------------------------------------------------------

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

    async def _end_live_turn(self, message: Message) -> None:
        live = self.live
        assert live is not None
        self.live = None
        self.conversation.messages.append(message)
        if self.recorder is not None:
            self._guard(lambda: self.recorder.record_assistant(message))
        self.screen.refresh_context()
        self.screen.set_generating(self.busy)
        await live.widget.finish(message)

    # -- helpers -------------------------------------------------------------------------

    def context_used(self) -> int:
        """Prompt tokens the conversation takes now (what the next turn starts from)."""
        messages = template_messages(self.conversation)
        if not messages:
            return 0
        return self.engine.count_prompt_tokens(messages, self.settings.thinking)

    def _quantized(self) -> bool:
        # An engine that does not say (or does not know yet) gets the card's quantized preset.
        return getattr(self.engine, "quantized", None) is not False

    def _guard(self, action: Callable[[], T]) -> T | None:
        """Run a session-file action; a failure is a notice and recording stops."""
        from qwen_tui.sessions import SessionError

        try:
            return action()
        except (SessionError, OSError, ValueError) as exc:
            self.screen.notify(
                f"Session not saved: {exc}", title="Sessions", severity="error", timeout=10
            )
            self.recorder = None
            return None
