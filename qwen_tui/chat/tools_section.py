"""The text Qwen3's chat template writes into the system turn for the offered tools.

Engines that render the prompt count it with the rest; the demo and the OpenAI engine,
which estimate a prompt's size without a tokenizer, count this text instead. It follows
the published template: a fixed heading and instructions around each tool's JSON.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

_HEADING = (
    "# Tools\n\nYou may call one or more functions to assist with the user query.\n\n"
    "You are provided with function signatures within <tools></tools> XML tags:\n<tools>"
)
_INSTRUCTIONS = (
    "\n</tools>\n\nFor each function call, return a json object with function name and "
    "arguments within <tool_call></tool_call> XML tags:\n<tool_call>\n"
    '{"name": <function-name>, "arguments": <args-json-object>}\n</tool_call>'
)


def tools_section(tools: Sequence[Mapping[str, Any]] | None) -> str:
    """The template's text for `tools` ("" when none is offered)."""
    if not tools:
        return ""
    listed = "".join("\n" + json.dumps(tool, ensure_ascii=False) for tool in tools)
    return f"{_HEADING}{listed}{_INSTRUCTIONS}"
