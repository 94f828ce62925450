"""`OpenAIEngine`: the chat's engine when the model runs in another server.

It streams each reply with the official `openai` client, sending the hard switch as
`chat_template_kwargs.enable_thinking` (vLLM's and SGLang's convention) and the card's
sampling (`top_k` and `min_p` as the extra fields those servers take). "Loading" is
asking the server for its models: the one named must be there, and vLLM's
`max_model_len` gives the context limit (else `--yarn-factor`'s, or the card's 40,960);
`served_models` asks again, for `/model`.
Esc closes the stream. Tools go out in the request; the calls that come back are
the model's `<tool_call>` blocks again (`tool_wire.py`). Prompt tokens are estimated, as
the client has no tokenizer; the server's own refusal is the hard limit.
"""

from __future__ import annotations

import contextlib
import os
import socket
import threading
import time
from dataclasses import dataclass, replace
from typing import Any
from urllib.parse import urlsplit

import openai

from qwen_tui.chat.messages import FinishReason
from qwen_tui.chat.model_card import DEFAULT_CONTEXT_LIMIT
from qwen_tui.chat.tools_section import tools_section
from qwen_tui.engine.base import EngineFailure, GenerationRequest, TemplateMessages, ToolSpecs
from qwen_tui.engine.events import (
    EngineError,
    EngineReady,
    ErrorKind,
    EventSink,
    GenerationFinished,
    LoadProgress,
)
from qwen_tui.engine.remote.failures import failure
from qwen_tui.engine.remote.reply import StreamedReply
from qwen_tui.engine.remote.tool_wire import openai_messages, read_text
from qwen_tui.engine.worker import ThreadedEngine

BYTES_PER_TOKEN = 3.5
"""The estimate's rate: Qwen's tokenizer takes about 4 bytes of UTF-8 per token for prose
in English or Chinese, fewer for code, so this errs a little high."""
_MESSAGE_OVERHEAD_TOKENS = 5  # <|im_start|>role\n ... <|im_end|>\n
_EMPTY_THINK_TOKENS = 4  # the template's "<think>\n\n</think>\n\n" with thinking off


@dataclass(frozen=True)
class RemoteSpec:
    """The server, the model name it serves, and how to talk to it."""

    base_url: str
    model: str
    api_key: str | None = None
    context_limit: int = DEFAULT_CONTEXT_LIMIT
    """Used when the server does not say (vLLM's /v1/models does)."""
    timeout_s: float = 300.0
    """Longest wait for the server: to connect, and between two chunks of a reply."""


class OpenAIEngine(ThreadedEngine):
    """A model served elsewhere over the OpenAI chat completions API."""

    def __init__(self, spec: RemoteSpec) -> None:
        super().__init__()
        self.spec = spec
        self.name = server_address(spec.base_url)
        self.model_name = spec.model
        self.context_limit = spec.context_limit
        self._completions: Any = None
        self._stream_lock = threading.Lock()
        self._stream: Any = None

    def count_prompt_tokens(
        self, messages: TemplateMessages, enable_thinking: bool, tools: ToolSpecs | None = None
    ) -> int:
        """An estimate from the text's size (see `BYTES_PER_TOKEN`), the tools' schemas as
        the template writes them included. Thread-safe."""
        texts = [read_text(m) for m in messages]
        body = sum(round(len(t.encode()) / BYTES_PER_TOKEN) for t in texts)
        body += len(texts) * _MESSAGE_OVERHEAD_TOKENS
        body += round(len(tools_section(tools).encode()) / BYTES_PER_TOKEN)
        return body + _MESSAGE_OVERHEAD_TOKENS - 2 + (0 if enable_thinking else _EMPTY_THINK_TOKENS)

    def cancel(self) -> None:
        """Stop the reply now, even while the server sends nothing (see `_hang_up`)."""
        super().cancel()
        with self._stream_lock:
            stream = self._stream
        if stream is not None:
            _hang_up(stream)

    def _load(self, sink: EventSink) -> EngineReady:
        started = time.perf_counter()
        sink(LoadProgress(0, 1, "steps", f"Connecting to {self.name}"))
        client = self._client()
        try:
            models = list(client.models.list())
        except openai.NotFoundError:
            models = None  # a server without /v1/models: trust the name given
        except openai.OpenAIError as exc:
            raise failure(exc, self.name) from exc
        if models is not None:
            self._take_model(models)
        # The client imports its chat module on first use: now, not in the first reply's TTFT.
        self._completions = client.chat.completions
        sink(LoadProgress(1, 1, "steps", f"Connected to {self.name}"))
        elapsed = time.perf_counter() - started
        return EngineReady(self.model_name, self.context_limit, elapsed, device=self.name)

    def served_models(self) -> tuple[str, ...]:
        """The ids of the server's models (`GET /v1/models`), as `_load` reads them."""
        try:
            return tuple(model.id for model in self._client().models.list())
        except openai.NotFoundError:
            raise EngineFailure(
                f"the server at {self.name} does not list its models (no /v1/models)",
                ErrorKind.BAD_REQUEST,
            ) from None
        except openai.OpenAIError as exc:
            raise failure(exc, self.name) from exc

    def _client(self) -> openai.OpenAI:
        key = self.spec.api_key or os.environ.get("OPENAI_API_KEY") or "EMPTY"
        return openai.OpenAI(
            base_url=self.spec.base_url, api_key=key, timeout=self.spec.timeout_s, max_retries=0
        )

    def _take_model(self, models: list[Any]) -> None:
        card = next((m for m in models if m.id == self.spec.model), None)
        if card is None:
            served = ", ".join(repr(m.id) for m in models) or "no models"
            raise EngineFailure(
                f"the server at {self.name} has no model {self.spec.model!r}; it serves "
                f"{served}: pass one with --model (in the chat: /model NAME)",
                ErrorKind.MODEL_MISSING,
            )
        limit = (card.model_extra or {}).get("max_model_len")
        if isinstance(limit, int) and limit > 0:
            self.context_limit = limit

    def _generate(
        self, request: GenerationRequest, sink: EventSink, cancelled: threading.Event
    ) -> GenerationFinished:
        completions = self._completions
        assert completions is not None
        prompt_tokens = self.count_prompt_tokens(
            request.messages, request.enable_thinking, request.tools
        )
        reply = StreamedReply(prompt_tokens)
        try:
            stream = completions.create(**self._arguments(request))
        except openai.OpenAIError as exc:
            raise failure(exc, self.name) from exc
        with self._stream_lock:
            self._stream = stream
        broken = None
        try:
            if not cancelled.is_set():
                for chunk in stream:
                    for delta in reply.deltas(chunk):
                        sink(replace(delta, request_id=request.request_id))
                    if cancelled.is_set():
                        break
        except Exception as exc:  # noqa: BLE001 - however the stream breaks, keep what came
            broken = exc
        finally:
            with self._stream_lock:
                self._stream = None
            stream.close()
        for delta in reply.finish():
            sink(replace(delta, request_id=request.request_id))
        reason = self._ending(request, reply, broken, cancelled, sink)
        return GenerationFinished(
            request.request_id,
            reason,
            reply.stats(),
            reply.thinking,
            reply.answer,
            reply.thinking_finished,
        )

    def _ending(
        self,
        request: GenerationRequest,
        reply: StreamedReply,
        broken: Exception | None,
        cancelled: threading.Event,
        sink: EventSink,
    ) -> FinishReason:
        """How the reply ended; a stream that broke off is reported and its reply kept."""
        if cancelled.is_set():
            return FinishReason.CANCELLED
        if broken is None and reply.finish_reason is not None:
            return reply.reason
        why = failure(broken, self.name) if broken is not None else None
        detail = f" ({why})" if why is not None else ""
        sink(
            EngineError(
                f"the reply from {self.name} was cut off{detail}; what came is kept",
                why.kind if why is not None else ErrorKind.INTERNAL,
                request.request_id,
            )
        )
        return FinishReason.ERROR

    def _arguments(self, request: GenerationRequest) -> dict[str, Any]:
        sampling = request.sampling
        extra: dict[str, Any] = {
            "chat_template_kwargs": {"enable_thinking": request.enable_thinking},
            "min_p": sampling.min_p,
        }
        if sampling.top_k > 0:  # 0 (off) means -1 to some servers and 0 to others
            extra["top_k"] = sampling.top_k
        if request.thinking_budget is not None:  # `qwen-chat serve` takes it; others ignore it
            extra["thinking_budget"] = request.thinking_budget
        arguments: dict[str, Any] = {
            "model": self.spec.model,
            "messages": openai_messages(request.messages),
            "stream": True,
            "stream_options": {"include_usage": True},
            "temperature": sampling.temperature,
            "top_p": sampling.top_p,
            "presence_penalty": sampling.presence_penalty,
            "max_tokens": request.max_new_tokens,
            "extra_body": extra,
        }
        if request.seed is not None:
            arguments["seed"] = request.seed
        if request.tools:
            arguments["tools"] = list(request.tools)
        return arguments


def _hang_up(stream: Any) -> None:
    """Shut the stream's socket down. Closing the stream from another thread does not wake
    a read that waits for the server; a shutdown does, and the reading thread then ends."""
    network = stream.response.extensions.get("network_stream")  # httpcore's extension
    sock = network.get_extra_info("socket") if network is not None else None
    if sock is not None:
        with contextlib.suppress(OSError):
            sock.shutdown(socket.SHUT_RDWR)


def server_address(base_url: str) -> str:
    """`host:port` of `base_url`, for the status bar and messages (no user or password)."""
    parts = urlsplit(base_url)
    host = parts.hostname or base_url
    return f"{host}:{parts.port}" if parts.port else host
