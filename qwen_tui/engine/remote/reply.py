"""`StreamedReply`: one reply as an OpenAI-compatible server streams it, as `TextDelta`s.

Servers hand the thinking over in one of three ways, and each is read: `reasoning_content`
(SGLang, llama-server, older vLLM), `reasoning` (newer vLLM), or a `<think>` block left in
`content` by a server without a reasoning parser, which the text splitter takes apart
(tags split across chunks included). Thinking from the reasoning fields is trimmed as the
splitter trims it. The figures come from the stream: time to first token and tokens/s as
the client sees them, token counts from `usage` when the server sends it. Tool calls
come out as `<tool_call>` blocks in the answer (`tool_wire.py`).
"""

from __future__ import annotations

import time
from typing import Any

from qwen_tui.chat.messages import FinishReason, GenerationStats
from qwen_tui.chat.parts import Part, TextDelta
from qwen_tui.chat.splitter import TextThinkingSplitter
from qwen_tui.chat.trimmed_stream import TrimmedStream
from qwen_tui.engine.remote.tool_wire import StreamedCalls

_REASONS = {"stop": FinishReason.STOP, "length": FinishReason.LENGTH}


class StreamedReply:
    """Reads the chunks of one streamed reply; `deltas` for each, `stats` at the end."""

    def __init__(self, prompt_tokens_estimate: int) -> None:
        self._started = time.perf_counter()
        self._first_at: float | None = None
        self._last_at = self._started
        self._chunks = 0
        self._content = TextThinkingSplitter()
        self._reasoning = TrimmedStream()
        self._usage: Any = None
        self._estimate = prompt_tokens_estimate
        self._calls = StreamedCalls()
        self.finish_reason: str | None = None
        """As the server said it, once it did; None for a stream that ended without one."""

    def deltas(self, chunk: Any) -> list[TextDelta]:
        """The new text a `ChatCompletionChunk` carries."""
        if getattr(chunk, "usage", None) is not None:
            self._usage = chunk.usage
        deltas: list[TextDelta] = []
        carried_text = False
        for choice in chunk.choices or ():
            if choice.index != 0:
                continue
            if choice.finish_reason:
                self.finish_reason = choice.finish_reason
            delta = choice.delta
            if delta is None:
                continue
            extra = delta.model_extra or {}
            reasoning = extra.get("reasoning_content") or extra.get("reasoning")
            if isinstance(reasoning, str) and reasoning:
                carried_text = True
                shown = self._reasoning.push(reasoning)
                if shown:
                    deltas.append(TextDelta(Part.THINKING, shown))
            if delta.content:
                carried_text = True
                deltas.extend(self._content.feed(delta.content))
            if delta.tool_calls:
                carried_text = True
                self._calls.add(delta.tool_calls)
        if carried_text:
            self._counted()
        return deltas

    def finish(self) -> list[TextDelta]:
        """The stream ended (or broke): the calls it made, as the model's `<tool_call>`
        blocks after the answer, and what the splitter still held."""
        deltas: list[TextDelta] = []
        blocks = self._calls.blocks()
        if blocks:
            deltas = self._content.feed(f"\n{blocks}" if self._content.answer else blocks)
        return deltas + self._content.finish()

    @property
    def thinking(self) -> str:
        parts = (self._reasoning.text, self._content.thinking)
        return "\n\n".join(part for part in parts if part)

    @property
    def answer(self) -> str:
        return self._content.answer

    @property
    def thinking_finished(self) -> bool:
        if self._reasoning.text and not self._content.thinking:
            return bool(self.answer) or self.finish_reason == "stop"
        return self._content.thinking_finished

    @property
    def reason(self) -> FinishReason:
        return _REASONS.get(self.finish_reason or "", FinishReason.STOP)

    def stats(self) -> GenerationStats:
        """The figures of the reply so far."""
        now = time.perf_counter()
        usage = self._usage
        generated = getattr(usage, "completion_tokens", None) or self._chunks
        prompt = getattr(usage, "prompt_tokens", None) or self._estimate
        first = self._first_at if self._first_at is not None else now
        decode_s = self._last_at - first
        return GenerationStats(
            prompt_tokens=prompt,
            generated_tokens=generated,
            time_to_first_token_s=first - self._started if self._first_at is not None else 0.0,
            decode_tokens_per_s=(generated - 1) / decode_s if generated > 1 and decode_s else 0.0,
            total_s=now - self._started,
        )

    def _counted(self) -> None:
        # Servers stream about one token per chunk; `usage`, when sent, has the true count.
        self._last_at = time.perf_counter()
        if self._first_at is None:
            self._first_at = self._last_at
        self._chunks += 1
