"""A reply cut off (by the length limit or a stop) and what the model reads to go on with it.

Continuing is the assistant prefill of the chat template: the prompt of the turn, then the
partial reply as the model wrote it, with its turn left open, so the model's next token
carries on where the reply stopped. No new user turn is added. The prefill holds the
partial thinking too: within its own turn the model sees its thinking (only earlier turns
lose theirs).
"""

from __future__ import annotations

from dataclasses import dataclass

from qwen_tui.chat.messages import FinishReason, Message, Role
from qwen_tui.chat.model_card import THINK_CLOSE, THINK_OPEN

CONTINUABLE = (FinishReason.LENGTH, FinishReason.CANCELLED)
"""How a reply must have ended for `/continue` to go on with it."""


@dataclass(frozen=True)
class PartialReply:
    """The reply so far: its texts as shown, and whether its thinking had ended."""

    thinking: str
    answer: str
    thinking_finished: bool

    @classmethod
    def of(cls, message: Message) -> PartialReply:
        return cls(message.thinking, message.content, message.thinking_finished)

    def prefill(self, enable_thinking: bool, thinking: bool) -> str:
        """The text the model wrote so far, as it follows the template's generation prompt.

        `enable_thinking` is the hard switch the prompt was rendered with (off: the
        template itself closed an empty think block) and `thinking` the mode the turn ran
        in (a `/no_think` turn writes an empty think block itself).
        """
        if not enable_thinking:
            return self.answer
        if not thinking or not (self.thinking or not self.thinking_finished):
            return f"{THINK_OPEN}\n\n{THINK_CLOSE}\n\n{self.answer}"
        if not self.thinking_finished:
            return f"{THINK_OPEN}\n{self.thinking}"
        return f"{THINK_OPEN}\n{self.thinking}\n{THINK_CLOSE}\n\n{self.answer}"


def continuable(message: Message | None) -> str:
    """Why `message` (the conversation's last) cannot be continued; "" when it can."""
    if message is None or message.role is not Role.ASSISTANT:
        return "There is no reply to continue yet."
    if message.finish_reason not in CONTINUABLE:
        return (
            "The last reply is complete; /continue goes on with one cut off by Esc or "
            "the length limit."
        )
    return ""
