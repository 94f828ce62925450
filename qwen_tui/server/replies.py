"""A served reply in the wire format: the whole completion, or its stream of SSE chunks.

The SSE framing is FastAPI's (`format_sse_event`); the stream ends with `data: [DONE]`
as OpenAI's does. Thinking goes out under both `reasoning_content` and `reasoning`; tool
calls as `tool_calls`, each streamed as soon as the model has written it.
"""

from __future__ import annotations

import time
import uuid

from fastapi.sse import format_sse_event
from pydantic import BaseModel

from qwen_tui.chat.parts import Part
from qwen_tui.server.protocol import (
    ChatCompletion,
    ChatCompletionChunk,
    Choice,
    ChunkChoice,
    Delta,
    ErrorResponse,
    ReplyMessage,
    Usage,
)
from qwen_tui.server.served_turn import Piece, StreamedCall, TurnEnding
from qwen_tui.server.tool_protocol import DeltaToolCall, ReplyFunction, ReplyToolCall

DONE = format_sse_event(data_str="[DONE]")


class ReplyFormat:
    """The id, creation time and model name every part of one reply carries."""

    def __init__(self, model: str) -> None:
        self.model = model
        self.id = f"chatcmpl-{uuid.uuid4().hex}"
        self.created = int(time.time())

    def completion(self, ending: TurnEnding) -> ChatCompletion:
        """The whole reply (`stream: false`)."""
        thinking = ending.thinking or None
        calls = [
            ReplyToolCall(id=c.id, function=ReplyFunction(name=c.name, arguments=c.arguments))
            for c in ending.calls
        ]
        message = ReplyMessage(
            content=ending.answer or (None if calls else ""),
            reasoning_content=thinking,
            reasoning=thinking,
            tool_calls=calls or None,
        )
        choice = Choice(message=message, finish_reason=ending.finish_reason)
        return ChatCompletion(
            id=self.id,
            created=self.created,
            model=self.model,
            choices=[choice],
            usage=usage(ending),
        )

    def opening(self) -> bytes:
        """The first chunk: the assistant's role."""
        return self._chunk(Delta(role="assistant", content=""))

    def piece(self, piece: Piece | StreamedCall) -> bytes:
        """The chunk of a piece of text; the chunks of a call."""
        if isinstance(piece, StreamedCall):
            return self._call_chunks(piece)
        if piece.part is Part.THINKING:
            return self._chunk(Delta(reasoning_content=piece.text, reasoning=piece.text))
        return self._chunk(Delta(content=piece.text))

    def _call_chunks(self, streamed: StreamedCall) -> bytes:
        """A call as vLLM streams one: a chunk with its index, id and name, then one with
        its arguments."""
        index, call = streamed.index, streamed.call
        named = ReplyFunction(name=call.name, arguments="")
        opening = DeltaToolCall(index=index, id=call.id, type="function", function=named)
        arguments = DeltaToolCall(index=index, function=ReplyFunction(arguments=call.arguments))
        return self._chunk(Delta(tool_calls=[opening])) + self._chunk(Delta(tool_calls=[arguments]))

    def closing(self, ending: TurnEnding) -> bytes:
        """The last chunk of the choice, with its finish reason."""
        choice = ChunkChoice(delta=Delta(), finish_reason=ending.finish_reason)
        return _event(self._wrap([choice]))

    def usage(self, ending: TurnEnding) -> bytes:
        """`stream_options.include_usage`: a chunk with no choices and the usage."""
        return _event(self._wrap([], usage(ending)))

    def _chunk(self, delta: Delta) -> bytes:
        return _event(self._wrap([ChunkChoice(delta=delta)]))

    def _wrap(self, choices: list[ChunkChoice], used: Usage | None = None) -> ChatCompletionChunk:
        return ChatCompletionChunk(
            id=self.id, created=self.created, model=self.model, choices=choices, usage=used
        )


def error_event(error: ErrorResponse) -> bytes:
    """An error in the middle of a stream (the status line has gone out already)."""
    return _event(error)


def usage(ending: TurnEnding) -> Usage:
    return Usage(
        prompt_tokens=ending.prompt_tokens,
        completion_tokens=ending.completion_tokens,
        total_tokens=ending.prompt_tokens + ending.completion_tokens,
    )


def _event(model: BaseModel) -> bytes:
    return format_sse_event(data_str=model.model_dump_json(exclude_none=True))
