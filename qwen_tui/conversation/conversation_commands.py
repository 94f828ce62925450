"""`ConversationCommands`: what the user changes about the conversation itself (the hard
switch, the system prompt; `/set` is `tuning_commands.py`) rather than about a turn, and
what a front-end asks about it (the mode, the context in use); a part of
`ConversationCore`, kept apart from the turn lifecycle."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from qwen_tui.chat.history import template_messages
from qwen_tui.chat.turn_plan import TurnPlan, plan_turn
from qwen_tui.conversation.core_state import CoreState
from qwen_tui.conversation.updates import (
    ModeChanged,
    SystemPromptChanged,
    Update,
)
from qwen_tui.engine.base import EngineFailure, ToolSpecs


class ConversationCommands(CoreState):
    """The settings commands, and the questions every other part of the core asks too."""

    @property
    def quantized(self) -> bool:
        """Whether the card's quantized preset applies: an engine that does not know yet
        (or at all) gets it."""
        return self.engine.quantized is not False

    def toggle_thinking(self) -> list[Update]:
        """The hard switch, for the turns that follow."""
        self.settings = replace(self.settings, thinking=not self.settings.thinking)
        self._post(ModeChanged(self.settings.thinking))
        state = "on" if self.settings.thinking else "off"
        self._notice(f"Thinking {state} for the next messages.")
        return self._take()

    def set_system_prompt(self, text: str) -> list[Update]:
        """`/system TEXT`: the system prompt for the turns that follow (empty: none)."""
        prompt = text.strip()
        self.settings = replace(self.settings, system_prompt=prompt)
        self.conversation.system_prompt = prompt
        self.recording.system_prompt(prompt)
        self._post(SystemPromptChanged(prompt))
        self._notice(f"System prompt set to {prompt!r}." if prompt else "System prompt cleared.")
        return self._take()

    # -- what the front-end asks -----------------------------------------------------------

    def base_thinking(self) -> bool:
        """The mode the next turn runs in if the pending message has no soft switch."""
        return plan_turn(self.conversation, "", self.settings).thinking

    def context_used(self) -> int:
        """Prompt tokens the conversation takes now, with the tools on offer (what the
        next turn starts from)."""
        messages = template_messages(self.conversation)
        if not messages:
            return 0
        tools = self.offered_tools()
        try:
            return self.engine.count_prompt_tokens(messages, self.settings.thinking, tools)
        except EngineFailure:
            return 0  # not countable (a failing template): sending says why

    def prompt_tokens_with(self, text: str) -> int:
        """Prompt tokens the next turn would take with `text` as its message, the offered
        tools' schemas included (0 when the prompt cannot be counted)."""
        plan = plan_turn(self.conversation, text, self.settings, self.quantized)
        return self._prompt_tokens(plan, self.offered_tools())

    def offered_tools(self) -> tuple[dict[str, Any], ...]:
        """The tools the next request offers the model (the template's `tools`)."""
        return self.tool_loop.specs()

    def _prompt_tokens(self, plan: TurnPlan, tools: ToolSpecs = ()) -> int:
        try:
            return self.engine.count_prompt_tokens(plan.messages, plan.enable_thinking, tools)
        except EngineFailure:
            return 0
