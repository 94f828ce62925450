"""`/continue`: go on with the last reply, cut off by Esc or the length limit, in the same
reply and with no new user turn.

The turn is planned as the cut-off one was (the same user message, the same hard switch),
and the request carries the partial reply, which the engine puts after the prompt as the
assistant prefill. The finished reply replaces the partial one in the conversation; its
session record says so (`continues`), so a resumed session shows one reply.
"""

from __future__ import annotations

from dataclasses import replace

from qwen_tui.chat.continuation import PartialReply, continuable
from qwen_tui.chat.messages import Conversation, Message, Role
from qwen_tui.chat.turn_plan import TurnPlan, plan_turn
from qwen_tui.config import Settings
from qwen_tui.engine.base import Engine, GenerationRequest

NOT_HERE = "This engine cannot continue a reply; the local and demo engines can."
BUSY = "A reply is under way; /continue goes on with the last one once it has ended."
AFTER_TOOLS = "A reply to tool results cannot be continued; send a new message instead."
WITH_CALLS = "A reply that made tool calls cannot be continued; send a new message instead."


def why_not(conversation: Conversation, engine: Engine, busy: bool) -> str:
    """Why the last reply cannot be continued now; "" when it can."""
    if not engine.can_continue:
        return NOT_HERE
    if busy:
        return BUSY
    messages = conversation.messages
    why = continuable(messages[-1] if messages else None) or (
        "" if len(messages) >= 2 else "There is no reply to continue yet."
    )
    if why:
        return why
    if messages[-1].tool_calls:
        return WITH_CALLS
    return AFTER_TOOLS if messages[-2].role is Role.TOOL else ""


def plan_continuation(
    conversation: Conversation, settings: Settings, quantized: bool
) -> tuple[TurnPlan, Message]:
    """The plan of the cut-off turn and its partial reply (the conversation's last two
    messages: the user's and the reply), as `why_not` allows."""
    *before, question, partial = conversation.messages
    if partial.settings is not None:  # the mode it was cut off in, whatever the switch is now
        settings = replace(settings, thinking=partial.settings.enable_thinking)
    history = replace(conversation, messages=list(before))
    return plan_turn(history, question.content, settings, quantized), partial


def continuation_request(plan: TurnPlan, partial: Message, request_id: int) -> GenerationRequest:
    """The request that goes on with `partial`."""
    request = GenerationRequest.from_plan(plan, request_id)
    return replace(request, continues=PartialReply.of(partial))
