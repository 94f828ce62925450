"""The wire models of the chat completions API, as vLLM and SGLang serve it for Qwen3.

Requests ignore fields they do not know (as vLLM does) and refuse, naming the field, the
ones they know but cannot honour. Replies carry the thinking apart from the answer, under
both names servers use for it: `reasoning_content` (SGLang, llama-server, Qwen-Agent) and
`reasoning` (newer vLLM).
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from qwen_tui.server.tool_protocol import DeltaToolCall, ReplyToolCall, RequestToolCall, ToolSpec

FinishReason = Literal["stop", "length", "tool_calls"]


class TextPart(BaseModel):
    """One part of a message's content given as a list; only text parts are taken."""

    model_config = ConfigDict(extra="ignore")
    type: Literal["text"]
    text: str


class RequestMessage(BaseModel):
    """A message of the conversation a request sends. An assistant message's thinking
    (`reasoning_content`, `reasoning`) is accepted and left out of the prompt (except in
    the tool-calling turns after the last user message, where the template keeps it);
    its `tool_calls` and the `tool` messages answering them render as the template's."""

    model_config = ConfigDict(extra="ignore")
    role: Literal["system", "developer", "user", "assistant", "tool"]
    content: str | list[TextPart] | None = None
    reasoning_content: str | None = None
    reasoning: str | None = None
    tool_calls: list[RequestToolCall] | None = None
    tool_call_id: str | None = None

    def text(self) -> str:
        """The content as one string (list parts joined)."""
        if isinstance(self.content, list):
            return "".join(part.text for part in self.content)
        return self.content or ""


class StreamOptions(BaseModel):
    model_config = ConfigDict(extra="ignore")
    include_usage: bool = False


class ChatCompletionRequest(BaseModel):
    """`POST /v1/chat/completions`. Omitted sampling values take the model card's preset
    for the mode the turn runs in."""

    model_config = ConfigDict(extra="ignore")
    model: str | None = None
    messages: list[RequestMessage] = Field(min_length=1)
    stream: bool = False
    stream_options: StreamOptions | None = None
    temperature: float | None = Field(None, ge=0)
    top_p: float | None = Field(None, gt=0, le=1)
    top_k: int | None = Field(None, ge=-1)
    """-1 or 0: off, as in vLLM."""
    min_p: float | None = Field(None, ge=0, lt=1)
    presence_penalty: float | None = Field(None, ge=-2, le=2)
    max_tokens: int | None = Field(None, ge=1)
    max_completion_tokens: int | None = Field(None, ge=1)
    stop: str | list[str] | None = None
    seed: int | None = None
    thinking_budget: int | None = Field(None, ge=1)
    """Thinking tokens after which the model is made to answer (the Qwen3 report's way)."""
    chat_template_kwargs: dict[str, Any] | None = None
    n: int | None = None
    logprobs: bool | None = None
    top_logprobs: int | None = None
    tools: list[ToolSpec] | None = None
    tool_choice: str | dict[str, Any] | None = None
    """"auto" (the default with tools) or "none" (the tools are not offered)."""

    @field_validator("n")
    @classmethod
    def _one_choice(cls, n: int | None) -> int | None:
        if n is not None and n != 1:
            raise ValueError("only n=1 is supported: one reply per request")
        return n

    @field_validator("logprobs", "top_logprobs")
    @classmethod
    def _no_logprobs(cls, value: bool | int | None) -> bool | int | None:
        if value:
            raise ValueError("logprobs are not supported by this server")
        return value

    @field_validator("tool_choice")
    @classmethod
    def _auto_or_none(cls, choice: str | dict[str, Any] | None) -> str | dict[str, Any] | None:
        if choice is not None and choice not in ("auto", "none"):
            raise ValueError('only "auto" and "none" are supported: the model chooses its calls')
        return choice

    @property
    def offered_tools(self) -> tuple[dict[str, Any], ...]:
        """The tools for the template (none with `tool_choice: "none"`), as sent."""
        if self.tool_choice == "none" or not self.tools:
            return ()
        return tuple(tool.model_dump(exclude_none=True) for tool in self.tools)

    @field_validator("chat_template_kwargs")
    @classmethod
    def _switch_is_a_bool(cls, kwargs: dict[str, Any] | None) -> dict[str, Any] | None:
        if kwargs and not isinstance(kwargs.get("enable_thinking", False), bool):
            raise ValueError("enable_thinking must be true or false")
        return kwargs

    @property
    def enable_thinking(self) -> bool | None:
        """The hard switch, if the request sets it."""
        value = (self.chat_template_kwargs or {}).get("enable_thinking")
        return value if isinstance(value, bool) else None

    @property
    def stop_strings(self) -> tuple[str, ...]:
        stops = [self.stop] if isinstance(self.stop, str) else self.stop or []
        return tuple(s for s in stops if s)


class Usage(BaseModel):
    prompt_tokens: int
    completion_tokens: int
    total_tokens: int


class ReplyMessage(BaseModel):
    role: Literal["assistant"] = "assistant"
    content: str | None
    reasoning_content: str | None = None
    reasoning: str | None = None
    tool_calls: list[ReplyToolCall] | None = None


class Choice(BaseModel):
    index: int = 0
    message: ReplyMessage
    finish_reason: FinishReason
    logprobs: None = None


class ChatCompletion(BaseModel):
    id: str
    object: Literal["chat.completion"] = "chat.completion"
    created: int
    model: str
    choices: list[Choice]
    usage: Usage


class Delta(BaseModel):
    role: Literal["assistant"] | None = None
    content: str | None = None
    reasoning_content: str | None = None
    reasoning: str | None = None
    tool_calls: list[DeltaToolCall] | None = None


class ChunkChoice(BaseModel):
    index: int = 0
    delta: Delta
    finish_reason: FinishReason | None = None


class ChatCompletionChunk(BaseModel):
    id: str
    object: Literal["chat.completion.chunk"] = "chat.completion.chunk"
    created: int
    model: str
    choices: list[ChunkChoice]
    usage: Usage | None = None


class ModelCard(BaseModel):
    id: str
    object: Literal["model"] = "model"
    created: int
    owned_by: str = "qwen-tui"
    max_model_len: int
    """The context limit, under the name vLLM gives it."""


class ModelList(BaseModel):
    object: Literal["list"] = "list"
    data: list[ModelCard]


class ErrorInfo(BaseModel):
    message: str
    type: str
    param: str | None = None
    code: str | None = None


class ErrorResponse(BaseModel):
    """The OpenAI error shape: `{"error": {"message", "type", "param", "code"}}`."""

    error: ErrorInfo
