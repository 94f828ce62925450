"""The conversation as the chat template takes it: role and content, never the thinking
of a past turn.

The model card is firm that past assistant turns carry only their final answer. The shipped
template strips thinking itself, but an engine that builds prompts another way must not see
it at all, so it never leaves the conversation.

A turn that never got a reply is not history either: a user message whose reply failed
before any answer (finish reason `error`), or that has no reply at all because the process
died mid-reply, is left out with its failed reply. Sessions keep such turns, so replay can
send them again; the model just never sees them as an exchange that happened.

Tool use renders in the OpenAI shape the template takes: an assistant turn's calls as
`tool_calls` (a malformed block stays in its text, as the model wrote it, so the model
sees what its error refers to), each result as a `tool` message; each call has an `id`
and its result the same `tool_call_id`, as OpenAI-style servers pair them. A malformed
block has an id too, which its error result answers; the template never reads ids, so
the assistant turn lists such blocks under `MALFORMED_CALLS` (id and text) for the OpenAI
API, which needs a call for every result (`engine/remote/tool_wire.py`). Inside a tool loop the
model's own thinking is part of what it reads next: the template keeps reasoning for the
assistant turns after the last user query, so those turns that made calls carry theirs
as `reasoning_content`.
"""

from __future__ import annotations

from typing import Any

from qwen_tui.chat.messages import Conversation, FinishReason, Message, Role, ToolCallRecord

# Qwen3's tags, as in qwen_tui.tools.calls (the chat core imports nothing above it).
TOOL_CALL_OPEN = "<tool_call>"
TOOL_CALL_CLOSE = "</tool_call>"
MALFORMED_CALLS = "malformed_calls"
"""The key of an assistant turn's malformed blocks: `{"id", "raw", "position"}` each, the
position being the block's among the turn's calls."""


def template_messages(
    conversation: Conversation, pending_user: str | None = None
) -> tuple[dict[str, Any], ...]:
    """`{"role", "content"}` dicts: the system prompt first when it is not empty, then every
    message (assistant turns with their answer only, and their tool calls), then
    `pending_user` if given.

    `pending_user` is the message about to be sent; it must not already be in `conversation`.
    Soft switches (`/think`, `/no_think`) stay in the text: they are the model's protocol.
    Unanswered turns are left out (see the module docstring).
    """
    messages: list[dict[str, Any]] = []
    if conversation.system_prompt:
        messages.append({"role": str(Role.SYSTEM), "content": conversation.system_prompt})
    history = answered_messages(conversation.messages, pending_user is not None)
    last_query = max((i for i, m in enumerate(history) if m.role is Role.USER), default=-1)
    answers: list[str] = []  # the ids the next tool messages answer, in order
    for index, message in enumerate(history):
        # For an assistant turn `content` is the answer alone; `thinking` is kept apart.
        rendered = _rendered(message, index)
        if message.tool_calls and pending_user is None and index > last_query:
            rendered["reasoning_content"] = message.thinking
        if message.role is Role.TOOL:
            if answers:
                rendered["tool_call_id"] = answers.pop(0)
        else:
            answers = [_call_id(index, k) for k in range(len(message.tool_calls))]
        messages.append(rendered)
    if pending_user is not None:
        messages.append({"role": str(Role.USER), "content": pending_user})
    return tuple(messages)


def _rendered(message: Message, index: int) -> dict[str, Any]:
    if not message.tool_calls:
        return {"role": str(message.role), "content": message.content}
    content = message.content
    calls: list[dict[str, Any]] = []
    malformed: list[dict[str, Any]] = []
    for number, call in enumerate(message.tool_calls):
        call_id = _call_id(index, number)
        if call.arguments is None:
            content = "\n".join(filter(None, [content, _block(call)]))
            malformed.append({"id": call_id, "raw": call.raw, "position": number})
        else:
            function = {"name": call.name, "arguments": call.arguments}
            calls.append({"id": call_id, "type": "function", "function": function})
    rendered: dict[str, Any] = {"role": str(message.role), "content": content}
    if calls:
        rendered["tool_calls"] = calls
    if malformed:
        rendered[MALFORMED_CALLS] = malformed
    return rendered


def _call_id(index: int, number: int) -> str:
    """The id an OpenAI-style API pairs a call and its result by; the template itself
    ignores ids."""
    return f"call_{index}_{number}"


def _block(call: ToolCallRecord) -> str:
    return f"{TOOL_CALL_OPEN}{call.raw}{TOOL_CALL_CLOSE}"


def answered_messages(messages: list[Message], more_follow: bool = False) -> list[Message]:
    """`messages` without the turns that got no reply: a user message followed by another
    user message (or, when `more_follow`, ending the list), and a user message whose reply
    failed with no answer, together with that reply. A user message ending the list is
    kept otherwise: its reply may be on its way."""
    kept: list[Message] = []
    for index, message in enumerate(messages):
        following = messages[index + 1] if index + 1 < len(messages) else None
        if message.role is Role.USER and _unanswered(following, more_follow):
            continue
        if _failed_reply(message):
            if kept and kept[-1].role is Role.USER:
                kept.pop()
            continue
        kept.append(message)
    return kept


def _unanswered(following: Message | None, more_follow: bool) -> bool:
    if following is None:
        return more_follow
    return following.role is Role.USER


def _failed_reply(message: Message) -> bool:
    return (
        message.role is Role.ASSISTANT
        and message.finish_reason is FinishReason.ERROR
        and not message.content
    )
