"""`ConversationCommands`: what the user changes about the conversation itself (the hard
switch, the thinking budget, the system prompt) rather than about a turn; a part of
`ConversationCore`, kept apart from the turn lifecycle."""

from __future__ import annotations

from dataclasses import replace

from qwen_tui.chat.messages import Conversation
from qwen_tui.config import Settings
from qwen_tui.conversation.outbox import Outbox
from qwen_tui.conversation.recording import SessionRecording
from qwen_tui.conversation.updates import (
    ModeChanged,
    Notice,
    Severity,
    SystemPromptChanged,
    Update,
)


class ConversationCommands(Outbox):
    """The settings commands; the core holds the state they change."""

    settings: Settings
    conversation: Conversation
    recording: SessionRecording

    def toggle_thinking(self) -> list[Update]:
        """The hard switch, for the turns that follow."""
        self.settings = replace(self.settings, thinking=not self.settings.thinking)
        self._post(ModeChanged(self.settings.thinking))
        state = "on" if self.settings.thinking else "off"
        self._notice(f"Thinking {state} for the next messages.")
        return self._take()

    def set_thinking_budget(self, tokens: int | None) -> list[Update]:
        """The thinking budget of the turns that follow (None: no limit)."""
        if tokens is not None and tokens < 1:
            return [
                Notice("The thinking budget is a number of tokens, at least 1.", Severity.ERROR)
            ]
        self.settings = replace(self.settings, thinking_budget=tokens)
        limit = "no limit" if tokens is None else f"{tokens:,} tokens"
        self._notice(f"Thinking budget: {limit} for the next messages.")
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
