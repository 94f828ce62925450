"""The wire shapes of tool calling in the chat completions API, as OpenAI defines them and
vLLM serves them for Qwen3: the tools a request offers, the calls earlier assistant
messages made, and the calls a reply makes (whole, or streamed in pieces by index).
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field


class CalledFunction(BaseModel):
    model_config = ConfigDict(extra="ignore")
    name: str
    arguments: str
    """A JSON object as a string, as OpenAI sends it."""


class RequestToolCall(BaseModel):
    """A call an earlier assistant message made, as a client sends it back."""

    model_config = ConfigDict(extra="ignore")
    id: str | None = None
    type: Literal["function"] = "function"
    function: CalledFunction


class FunctionSpec(BaseModel):
    model_config = ConfigDict(extra="allow")
    name: str = Field(min_length=1)
    description: str | None = None
    parameters: dict[str, Any] | None = None


class ToolSpec(BaseModel):
    """A function offered to the model; it goes to the chat template's `tools` as sent."""

    model_config = ConfigDict(extra="allow")
    type: Literal["function"]
    function: FunctionSpec


class ReplyFunction(BaseModel):
    name: str | None = None
    arguments: str
    """The arguments as a JSON string (OpenAI's shape; in a stream, one piece of it)."""


class ReplyToolCall(BaseModel):
    id: str
    type: Literal["function"] = "function"
    function: ReplyFunction


class DeltaToolCall(BaseModel):
    """A streamed piece of a call: the first has its `id`, type and name."""

    index: int
    id: str | None = None
    type: Literal["function"] | None = None
    function: ReplyFunction
