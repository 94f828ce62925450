"""A request's messages after the system prompt, as the conversation's `Message`s.

User messages are taken as sent; assistant messages keep their answer only (the thinking
is dropped, as the card requires), except the ones that made tool calls after the last
user message: inside a tool loop the template shows the model its own reasoning, so those
keep it. Their `tool_calls` become the conversation's call records and `tool` messages
its tool results, named after the call they answer; the template renders both as Qwen3's
`<tool_call>` blocks and `<tool_response>`s.
"""

from __future__ import annotations

import json
from typing import Any

from qwen_tui.chat.messages import Message, Role, ToolCallRecord
from qwen_tui.chat.model_card import THINK_CLOSE
from qwen_tui.server.errors import bad_request
from qwen_tui.server.protocol import RequestMessage

_ROLES = {"user": Role.USER, "assistant": Role.ASSISTANT, "tool": Role.TOOL}


def history(messages: list[RequestMessage], first: int) -> list[Message]:
    """`messages[first:]` as the conversation holds them. Raises ApiError (400) naming the
    message that cannot be given to the model."""
    last_user = max((i for i, m in enumerate(messages) if m.role == "user"), default=-1)
    names: dict[str, str] = {}  # call id -> tool name, for the results that answer them
    turns: list[Message] = []
    for index in range(first, len(messages)):
        message = messages[index]
        if message.role not in _ROLES:
            raise bad_request(
                f"messages.{index}: a {message.role} message may only come first",
                f"messages.{index}.role",
            )
        if message.role == "tool":
            name = names.get(message.tool_call_id or "", "")
            turns.append(Message(Role.TOOL, message.text(), tool_name=name))
            continue
        turn = _turn(message, index, index > last_user)
        for call, record in zip(message.tool_calls or (), turn.tool_calls, strict=True):
            names[call.id or ""] = record.name
        if turns and turns[-1].role is turn.role and not (turns[-1].tool_calls or turn.tool_calls):
            # Two in a row: one message, so the core does not take the first as unanswered.
            turns[-1].content = f"{turns[-1].content}\n\n{turn.content}"
        else:
            turns.append(turn)
    return turns


def history_answer(message: RequestMessage) -> str:
    """An assistant message as history: the answer alone. Its `reasoning_content` or
    `reasoning` is dropped, and so is a think block left in its content (all up to the
    last `</think>`, as Qwen3's chat template cuts it)."""
    text = message.text()
    if THINK_CLOSE in text:
        text = text.rsplit(THINK_CLOSE, 1)[1].lstrip("\n")
    return text


def _turn(message: RequestMessage, index: int, in_tool_loop: bool) -> Message:
    if message.role == "user":
        return Message(Role.USER, message.text())
    calls = tuple(
        _call(call.function.name, call.function.arguments, index, number)
        for number, call in enumerate(message.tool_calls or ())
    )
    thinking = ""
    if calls and in_tool_loop:
        thinking = message.reasoning_content or message.reasoning or ""
    return Message(Role.ASSISTANT, history_answer(message), thinking, tool_calls=calls)


def _call(name: str, arguments: str, index: int, number: int) -> ToolCallRecord:
    """A call sent back. Its arguments are a JSON object, or a JSON string: the text of a
    malformed call as the model wrote it (as `--engine openai` sends one back), which
    renders as the template prints a string, as it is (vLLM does the same)."""
    where = f"messages.{index}.tool_calls.{number}.function.arguments"
    try:
        value: Any = json.loads(arguments) if arguments.strip() else {}
    except (json.JSONDecodeError, RecursionError):
        raise bad_request(f"{where}: not valid JSON; send a JSON object", where) from None
    if isinstance(value, str):
        raw = f'\n{{"name": "{name}", "arguments": {value}}}\n'
        return ToolCallRecord(name, None, raw=raw, error="the arguments are not a JSON object")
    if not isinstance(value, dict):
        raise bad_request(f"{where}: send the arguments as a JSON object", where)
    return ToolCallRecord(name, value)
