"""Prompts on their way to the engine: the queue, the context budget check, the request.

A mixin of `TurnDriver`, on the UI thread only. One request is in the engine at a time:
a prompt sent while the model loads or answers waits in the queue, and after Esc the next
one waits until the engine has really stopped. A turn that outgrows the context asks the
user first (a shorter reply, dropping the oldest turns, or a new conversation).
"""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

from qwen_tui.chat.turn_plan import TurnPlan, plan_turn
from qwen_tui.engine.base import EngineFailure, GenerationRequest
from qwen_tui.ui.context_budget import accepted, drop_oldest_turns, judge_turn
from qwen_tui.ui.screens.budget_screen import BudgetChoice, BudgetScreen
from qwen_tui.ui.turn_streaming import LiveTurn

if TYPE_CHECKING:
    from qwen_tui.ui.turn_driver import TurnDriver

    _Base = TurnDriver
else:
    _Base = object


class TurnSending(_Base):
    """Sends prompts one at a time, queueing the rest."""

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
        try:
            budget = judge_turn(self.engine, self.conversation, plan, self.short_replies_ok)
        except EngineFailure as exc:  # the prompt cannot be rendered (a failing template)
            self.screen.notify(str(exc), title="Not sent", severity="error", timeout=10)
            self.screen.restore_input(text)
            return
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
            shown = drop_oldest_turns(self.conversation, turns_to_drop)
            self.screen.mark_dropped_turns(shown)
            self.screen.notify(f"The oldest {turns_to_drop} turn(s) left the model's context.")
        else:
            await self.new_conversation()
        await self._start(text)

    async def _submit(self, text: str, plan: TurnPlan, prompt_tokens: int) -> None:
        request_id, self._next_id = self._next_id, self._next_id + 1
        request = GenerationRequest.from_plan(plan, request_id)
        self.recording.user(self.conversation.add_user(text))
        self.in_engine = request_id  # busy from here on, before the widgets mount
        widget = await self.screen.add_turns(text, plan.thinking)
        self.live = LiveTurn(request_id, widget, plan)
        self.engine.submit(request)
        self.screen.set_generating(True)
        self.screen.show_context_used(prompt_tokens)

    def _quantized(self) -> bool:
        # An engine that does not say (or does not know yet) gets the card's quantized preset.
        return getattr(self.engine, "quantized", None) is not False
