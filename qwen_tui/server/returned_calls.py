"""A reply's tool calls as the API returns them, in the shape vLLM's hermes tool parser
gives Qwen3's: each well-formed `<tool_call>` block a call with an id and its arguments as
a JSON string; a malformed block is no call, and stays in the content as the model wrote
it (the client sees what the model meant; vLLM leaves such text as content too).
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass

from qwen_tui.chat.messages import Message
from qwen_tui.tools.calls import TOOL_CALL_CLOSE, TOOL_CALL_OPEN


@dataclass(frozen=True)
class ReturnedCall:
    id: str
    name: str
    arguments: str
    """The arguments object as JSON text (non-ASCII kept, as the model wrote it)."""


def returned_calls(message: Message) -> tuple[tuple[ReturnedCall, ...], str]:
    """The calls of the finished reply `message`, and the text of its malformed blocks."""
    calls: list[ReturnedCall] = []
    left: list[str] = []
    for call in message.tool_calls:
        if call.arguments is None:
            left.append(f"{TOOL_CALL_OPEN}{call.raw}{TOOL_CALL_CLOSE}")
        else:
            arguments = json.dumps(call.arguments, ensure_ascii=False)
            calls.append(ReturnedCall(f"call_{uuid.uuid4().hex[:24]}", call.name, arguments))
    return tuple(calls), "\n".join(left)
