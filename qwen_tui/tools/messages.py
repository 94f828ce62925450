"""Tools and tool turns as Qwen3's chat template takes them.

The template lists each offered tool (`tools` argument) inside `<tools>` in the system
turn, renders an assistant message's `tool_calls` as the `<tool_call>` blocks the model
wrote, and wraps `tool` messages in `<tool_response>`. These are the OpenAI shapes that
transformers, vLLM and Qwen-Agent pass to the same template.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from qwen_tui.tools.calls import TOOL_CALL_CLOSE, TOOL_CALL_OPEN, ParsedCall, ToolCall


def function_spec(name: str, description: str, parameters: Mapping[str, Any]) -> dict[str, Any]:
    """One entry of the template's `tools`: a function with its JSON-schema parameters."""
    return {
        "type": "function",
        "function": {"name": name, "description": description, "parameters": dict(parameters)},
    }


def assistant_message(answer: str, calls: Sequence[ParsedCall]) -> dict[str, Any]:
    """The assistant turn that made `calls`. A malformed block stays in the text as the
    model wrote it, so the model sees what its error result refers to."""
    content = answer.strip()
    tool_calls: list[dict[str, Any]] = []
    for call in calls:
        if isinstance(call, ToolCall):
            function = {"name": call.name, "arguments": call.arguments}
            tool_calls.append({"type": "function", "function": function})
        else:
            block = f"{TOOL_CALL_OPEN}{call.raw}{TOOL_CALL_CLOSE}"
            content = f"{content}\n{block}" if content else block
    message: dict[str, Any] = {"role": "assistant", "content": content}
    if tool_calls:
        message["tool_calls"] = tool_calls
    return message


def tool_message(result: str) -> dict[str, str]:
    """A call's result (or its error, or the user's denial) for the model to read."""
    return {"role": "tool", "content": result}
