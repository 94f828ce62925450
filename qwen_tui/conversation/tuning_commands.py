"""`TuningCommands`: `/set`, the sampling values and limits the conversation in use sets
for itself (`chat/tuning.py`), recorded in its session; a part of `ConversationCore`.

The values live in the conversation (`Conversation.tuning`), so every turn planned from it
gets them, a new conversation starts without them and a resumed session has its own.
"""

from __future__ import annotations

from qwen_tui.chat.tuning import RESET_WORDS, TunedValue, check_value, parse_value, tunable_name
from qwen_tui.chat.tuning_table import Mode, TuningRow, shown_value, tuning_rows
from qwen_tui.conversation.conversation_commands import ConversationCommands
from qwen_tui.conversation.updates import Notice, Severity, Update

USAGE = "Usage: /set NAME VALUE, or /set NAME default; /set alone shows every value."


class TuningCommands(ConversationCommands):
    """`/set NAME VALUE`, `/set NAME default` and what `/set` alone shows."""

    def set_value(self, name: str, text: str) -> list[Update]:
        """`/set NAME VALUE` for the next turns of this conversation, in both modes;
        VALUE `default` (or `reset`) returns NAME to where it came from."""
        if not name or not text.strip():
            return [Notice(USAGE, Severity.WARNING)]
        try:
            key = tunable_name(name)
            if text.strip().lower() in RESET_WORDS:
                return self.reset_value(key)
            value = parse_value(key, text, self.engine.context_limit)
        except ValueError as exc:
            return [Notice(f"{exc}.", Severity.ERROR)]
        return self._tune(key, value)

    def set_thinking_budget(self, tokens: int | None) -> list[Update]:
        """The thinking budget of the turns that follow (None: no limit), as
        `/set thinking_budget` sets it."""
        try:
            check_value("thinking_budget", tokens)
        except ValueError:
            return [
                Notice("The thinking budget is a number of tokens, at least 1.", Severity.ERROR)
            ]
        return self._tune("thinking_budget", tokens)

    def reset_value(self, name: str) -> list[Update]:
        """`/set NAME default`: NAME follows the flags, config.toml or the preset again."""
        tuning = self.conversation.tuning
        if name not in tuning.values:
            self._notice(f"{name} was not changed with /set; it is {self._described(name)}.")
            return self._take()
        self.conversation.tuning = tuning.without(name)
        self.recording.untuned(name)
        self._notice(f"{name} is back to {self._described(name)}.")
        return self._take()

    def tuning_table(self) -> list[TuningRow]:
        """Every value `/set` changes as the next turn gets it, and where it came from."""
        mode = Mode(self.base_thinking(), self.quantized)
        return tuning_rows(self.settings, self.conversation.tuning, mode)

    def _tune(self, name: str, value: TunedValue) -> list[Update]:
        before = self._described(name)
        self.conversation.tuning = self.conversation.tuning.with_value(name, value)
        self.recording.tuned(name, value)
        shown = shown_value(name, value)
        self._notice(f"{name} {shown} for the next turns of this conversation (was {before}).")
        return self._take()

    def _described(self, name: str) -> str:
        """`0.6 (preset: thinking mode)`: the value now and where it comes from."""
        row = next(row for row in self.tuning_table() if row.name == name)
        return f"{row.value}, {row.source}"
