"""Everything decided before a turn is generated: messages, mode, sampling and limits.

`plan_turn` is the one place that combines the conversation, the pending message, the hard
switch, the soft switches and the user's sampling overrides, so the UI, the CLI and replay
all send the model the same thing and show the user the same mode and warnings.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

from qwen_tui.chat.history import template_messages
from qwen_tui.chat.messages import Conversation, TurnSettings
from qwen_tui.chat.sampling import SamplingParams, resolve_sampling
from qwen_tui.chat.switches import soft_switch, thinking_mode
from qwen_tui.config import Settings

SWITCH_IGNORED_WARNING = (
    "/think does nothing while thinking is switched off; turn it on with --think or its key."
)


@dataclass(frozen=True)
class TurnPlan:
    """One assistant turn, ready to become a `GenerationRequest`."""

    messages: tuple[dict[str, Any], ...]
    """Template messages: system prompt, history (answers only) and the pending user message."""
    enable_thinking: bool
    """The hard switch, passed to the chat template."""
    thinking: bool
    """The mode in effect after the soft switches; what the UI shows."""
    sampling: SamplingParams
    max_new_tokens: int
    warnings: tuple[str, ...] = ()
    """One-line messages worth showing the user before the turn runs."""
    seed: int | None = None
    """Seeds the reply's sampler, where the engine can; None: random."""
    thinking_budget: int | None = None
    """Thinking tokens after which the engine makes the model answer; None: no limit."""

    def turn_settings(self) -> TurnSettings:
        """What to record on the assistant message this turn produces."""
        return TurnSettings(
            enable_thinking=self.enable_thinking,
            thinking=self.thinking,
            sampling=self.sampling,
            max_new_tokens=self.max_new_tokens,
        )


def plan_turn(
    conversation: Conversation,
    pending_user: str | None,
    settings: Settings,
    quantized: bool = True,
) -> TurnPlan:
    """Plan the reply to `pending_user` (not yet added to `conversation`); None plans the
    next step of a tool loop, the reply to the conversation as it stands.

    The sampling is the model card's preset for the *effective* mode with the user's
    `settings.sampling` overrides on top, and the conversation's `/set` values on those.
    The conversation's own system prompt is used; a conversation without one gets
    `settings.system_prompt`. `quantized` models get the presence penalty of 1.5 the card
    recommends unless the user overrides it.
    """
    settings = conversation.tuning.applied(settings)
    if not conversation.system_prompt and settings.system_prompt:
        conversation = replace(conversation, system_prompt=settings.system_prompt)
    messages = template_messages(conversation, pending_user)
    thinking = thinking_mode(messages, settings.thinking)
    sampling, warnings = resolve_sampling(thinking, quantized, **settings.sampling.as_dict())
    if not settings.thinking and pending_user and soft_switch(pending_user):
        warnings.append(SWITCH_IGNORED_WARNING)
    return TurnPlan(
        messages=messages,
        enable_thinking=settings.thinking,
        thinking=thinking,
        sampling=sampling,
        max_new_tokens=settings.max_new_tokens,
        warnings=tuple(warnings),
        seed=settings.seed,
        thinking_budget=settings.thinking_budget,
    )
