"""What a chat completions request asks for, as the conversation core takes it.

The request's messages become a `Conversation` (its system prompt, the history, the last
user message to answer) and its fields the `Settings` of the turn. As in the chat, earlier
assistant turns go to the template without their thinking, the soft switches in the
messages work, and values the request leaves out take the model card's per-mode presets.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from qwen_tui.chat.messages import Conversation, Message, Role
from qwen_tui.chat.model_card import MAX_NEW_TOKENS, THINK_CLOSE
from qwen_tui.config import SamplingOverrides, Settings
from qwen_tui.server.errors import bad_request
from qwen_tui.server.protocol import ChatCompletionRequest, RequestMessage

_ROLES = {"user": Role.USER, "assistant": Role.ASSISTANT}


@dataclass(frozen=True)
class RequestedTurn:
    """The conversation so far, the user message to answer, and how to answer it."""

    conversation: Conversation
    text: str
    settings: Settings
    stops: tuple[str, ...]


def requested_turn(request: ChatCompletionRequest, base: Settings) -> RequestedTurn:
    """The turn `request` asks for; `base` gives what requests do not choose (the model,
    the engine). Raises ApiError (400) for a conversation the model cannot be given."""
    conversation, text = _conversation(request.messages)
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
    )
    return RequestedTurn(conversation, text, settings, request.stop_strings)


def history_answer(message: RequestMessage) -> str:
    """An assistant message as history: the answer alone. Its `reasoning_content` or
    `reasoning` is dropped, and so is a think block left in its content (all up to the
    last `</think>`, as Qwen3's chat template cuts it)."""
    text = message.text()
    if THINK_CLOSE in text:
        text = text.rsplit(THINK_CLOSE, 1)[1].lstrip("\n")
    return text


def _conversation(messages: list[RequestMessage]) -> tuple[Conversation, str]:
    system = ""
    first = 0
    if messages[0].role in ("system", "developer"):
        system, first = messages[0].text(), 1
    turns: list[Message] = []
    for index in range(first, len(messages)):
        message = messages[index]
        if message.role not in _ROLES:
            raise bad_request(
                f"messages.{index}: a {message.role} message may only come first",
                f"messages.{index}.role",
            )
        role = _ROLES[message.role]
        text = message.text() if role is Role.USER else history_answer(message)
        if turns and turns[-1].role is role:
            # Two in a row: one message, so the core does not take the first as unanswered.
            turns[-1].content = f"{turns[-1].content}\n\n{text}"
        else:
            turns.append(Message(role, text))
    if not turns or turns[-1].role is not Role.USER:
        raise bad_request("the last message must be the user's: it is the one answered", "messages")
    pending = turns.pop()
    return Conversation(system, turns), pending.content
