"""A reply's tool calls as the API returns them, in the shape vLLM's hermes tool parser
gives Qwen3's: each well-formed `<tool_call>` block a call with an id and its arguments as
a JSON string; a malformed block is no call, and stays in the content as the model wrote
it (the client sees what the model meant; vLLM leaves such text as content too).
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass

from qwen_tui.chat.messages import Message, ToolCallRecord
from qwen_tui.tools.calls import TOOL_CALL_CLOSE, TOOL_CALL_OPEN


@dataclass(frozen=True)
class ReturnedCall:
    id: str
    name: str
    arguments: str
    """The arguments object as JSON text (non-ASCII kept, as the model wrote it)."""


def returned_call(call: ToolCallRecord) -> ReturnedCall:
    """A well-formed call of the reply, with a new id."""
    assert call.arguments is not None
    arguments = json.dumps(call.arguments, ensure_ascii=False)
    return ReturnedCall(f"call_{uuid.uuid4().hex[:24]}", call.name, arguments)


def malformed_blocks(message: Message) -> str:
    """The text of the finished reply's malformed blocks, as the model wrote them."""
    blocks = [
        f"{TOOL_CALL_OPEN}{c.raw}{TOOL_CALL_CLOSE}" for c in message.tool_calls if c.malformed
    ]
    return "\n".join(blocks)
