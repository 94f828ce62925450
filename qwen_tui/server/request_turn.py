"""What a chat completions request asks for, as the conversation core takes it.

The request's messages become a `Conversation` (its system prompt, the history, and the
user message to answer, or the tool results the reply must read) and its fields the
`Settings` of the turn. As in the chat, earlier assistant turns go to the template without
their thinking, the soft switches in the messages work, and values the request leaves out
take the model card's per-mode presets. Tool calls and results in the history become the
conversation's own (`request_history.py`), which the template renders as Qwen3's.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

from qwen_tui.chat.messages import Conversation, Role
from qwen_tui.chat.model_card import MAX_NEW_TOKENS
from qwen_tui.config import SamplingOverrides, Settings
from qwen_tui.server.errors import bad_request
from qwen_tui.server.protocol import ChatCompletionRequest
from qwen_tui.server.request_history import history
from qwen_tui.tool_settings import ToolSettings


@dataclass(frozen=True)
class RequestedTurn:
    """The conversation so far, what to answer, and how to answer it."""

    conversation: Conversation
    text: str | None
    """The user message to answer; None when the conversation ends with tool results."""
    settings: Settings
    stops: tuple[str, ...]
    tools: tuple[dict[str, Any], ...] = ()
    """The functions offered to the model (the template's `tools`)."""


def requested_turn(request: ChatCompletionRequest, base: Settings) -> RequestedTurn:
    """The turn `request` asks for; `base` gives what requests do not choose (the model,
    the engine). Raises ApiError (400) for a conversation the model cannot be given."""
    conversation, text = _conversation(request)
    top_k = request.top_k
    sampling = SamplingOverrides(
        temperature=request.temperature,
        top_p=request.top_p,
        top_k=0 if top_k == -1 else top_k,
        min_p=request.min_p,
        presence_penalty=request.presence_penalty,
    )
    thinking = request.enable_thinking
    settings = replace(
        base,
        thinking=True if thinking is None else thinking,
        sampling=sampling,
        max_new_tokens=request.max_completion_tokens or request.max_tokens or MAX_NEW_TOKENS,
        system_prompt=conversation.system_prompt,
        seed=request.seed,
        thinking_budget=request.thinking_budget,
        # The client runs the calls: the core parses them and runs none (no step goes on).
        tools=ToolSettings(max_tool_steps=0),
    )
    tools = request.offered_tools
    return RequestedTurn(conversation, text, settings, request.stop_strings, tools)


def _conversation(request: ChatCompletionRequest) -> tuple[Conversation, str | None]:
    messages = request.messages
    system = ""
    first = 0
    if messages[0].role in ("system", "developer"):
        system, first = messages[0].text(), 1
    turns = history(messages, first)
    if not any(turn.role is Role.USER for turn in turns):
        raise bad_request("the messages need a user message to answer", "messages")
    if turns and turns[-1].role is Role.TOOL:
        return Conversation(system, turns), None
    if not turns or turns[-1].role is not Role.USER:
        raise bad_request(
            "the last message must be the user's or a tool's: it is the one answered",
            "messages",
        )
    pending = turns.pop()
    return Conversation(system, turns), pending.content
