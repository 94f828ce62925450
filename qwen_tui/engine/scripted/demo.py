"""`DemoEngine`: a deterministic stand-in for the model, with no weights and no GPU.

It streams Qwen3-style replies (a think block, then a Markdown answer with a code block)
at a steady `tokens_per_s`, and honours thinking exactly as the model does: with
`enable_thinking=False` it writes no think block; with thinking on, `/think` and
`/no_think` in the conversation pick the mode, and a `/no_think` turn still carries an
empty think block. Its raw text goes through the same splitter as a real engine's.
"""

from __future__ import annotations

import math
import threading
import time
from dataclasses import replace

from qwen_tui.chat.messages import FinishReason, GenerationStats
from qwen_tui.chat.model_card import DEFAULT_CONTEXT_LIMIT
from qwen_tui.chat.parts import TextDelta
from qwen_tui.chat.splitter import TextThinkingSplitter
from qwen_tui.chat.switches import thinking_mode
from qwen_tui.chat.tools_section import tools_section
from qwen_tui.engine.base import GenerationRequest, ToolSpecs, reply_room
from qwen_tui.engine.events import (
    EngineReady,
    EventSink,
    GenerationFinished,
    LoadProgress,
    PrefillStarted,
)
from qwen_tui.engine.scripted import demo_replies, demo_tools
from qwen_tui.engine.scripted.demo_pieces import after_prefill, over_budget, split_reply
from qwen_tui.engine.worker import ThreadedEngine

READING_PACE = 80.0
"""Tokens per second the demo streams at unless told otherwise: fast enough to read along."""
_LOAD_STEPS = 12
_PREFILL_TOKENS_PER_S = 4_000.0  # a fast GPU's prefill, so TTFT looks realistic
_MESSAGE_OVERHEAD_TOKENS = 4  # <|im_start|>role\n ... <|im_end|>\n
_EMPTY_THINK_TOKENS = 4  # the template's "<think>\n\n</think>\n\n"


class DemoEngine(ThreadedEngine):
    """Streams canned replies; `tokens_per_s=math.inf` runs at full speed (for tests)."""

    name = "demo"
    can_continue = True
    model_name = "Qwen3 demo (no model)"
    context_limit = DEFAULT_CONTEXT_LIMIT

    def __init__(
        self,
        tokens_per_s: float = READING_PACE,
        seed: int = 0,
        load_s: float = 0.6,
        context_limit: int | None = None,
    ) -> None:
        """`context_limit` as the model's would be (`context_limit_for(yarn_factor)`;
        default 40,960): a longer prompt is refused and a reply stops where the context
        ends, as with the local engine."""
        super().__init__()
        if tokens_per_s <= 0:
            raise ValueError(f"tokens_per_s must be above 0, got {tokens_per_s}")
        self.tokens_per_s = tokens_per_s
        self.seed = seed
        self.load_s = load_s
        if context_limit is not None:
            self.context_limit = context_limit

    def count_prompt_tokens(
        self,
        messages: tuple[dict[str, str], ...],
        enable_thinking: bool,
        tools: ToolSpecs | None = None,
    ) -> int:
        """An estimate in the demo's own token-like pieces, the tools' schemas too (as
        the template writes them); thread-safe (pure)."""
        body = sum(
            demo_replies.count_tokens(m["content"]) + _MESSAGE_OVERHEAD_TOKENS for m in messages
        )
        body += demo_replies.count_tokens(tools_section(tools))
        prefix = _MESSAGE_OVERHEAD_TOKENS - 1  # "<|im_start|>assistant\n"
        return body + prefix + (0 if enable_thinking else _EMPTY_THINK_TOKENS)

    def _prompt_tokens(self, request: GenerationRequest) -> int:
        return self.count_prompt_tokens(request.messages, request.enable_thinking, request.tools)

    def compose_reply(self, request: GenerationRequest) -> tuple[str, str]:
        """The (thinking, answer) for a request; tests override this for long replies."""
        with_tools = demo_tools.tool_reply(request.messages, request.tools)
        if with_tools is not None:
            return with_tools
        last_user = next(
            (m["content"] for m in reversed(request.messages) if m["role"] == "user"), ""
        )
        return demo_replies.compose_reply(last_user, self.seed)

    def _load(self, sink: EventSink) -> EngineReady:
        started = time.monotonic()
        for step in range(1, _LOAD_STEPS + 1):
            if self._cancel.wait(self.load_s / _LOAD_STEPS):
                break
            sink(LoadProgress(step, _LOAD_STEPS, "shards", "Loading the demo engine"))
        return EngineReady(self.model_name, self.context_limit, time.monotonic() - started)

    def _generate(
        self, request: GenerationRequest, sink: EventSink, cancelled: threading.Event
    ) -> GenerationFinished:
        started = time.monotonic()
        prompt_tokens = self._prompt_tokens(request)
        budget = min(request.max_new_tokens, reply_room(prompt_tokens, self.context_limit))
        sink(PrefillStarted(request.request_id, prompt_tokens))
        if not self._pause(prompt_tokens / _PREFILL_TOKENS_PER_S, cancelled):
            splitter = TextThinkingSplitter()
            return self._finished(request, splitter, FinishReason.CANCELLED, 0, 0.0, started)
        thinking, answer = self.compose_reply(request)
        written = split_reply(thinking, answer, request)
        pieces = after_prefill(written, request.prefill())
        splitter = TextThinkingSplitter()
        splitter.feed(request.prefill())  # a continued reply's start is shown already
        first_token_at = None
        reason = FinishReason.STOP
        generated = 0
        decode_started = time.monotonic()
        for piece in pieces:
            if generated >= budget:
                reason = FinishReason.LENGTH
                break
            if not self._pause(decode_started + generated / self.tokens_per_s, cancelled, True):
                reason = FinishReason.CANCELLED
                break
            generated += 1
            first_token_at = first_token_at or time.monotonic()
            _send(splitter.feed(piece), request.request_id, sink)
        _send(splitter.finish(), request.request_id, sink)
        ttft = (first_token_at or time.monotonic()) - started
        finished = self._finished(request, splitter, reason, generated, ttft, started)
        ends_thinking = written.index("</think>") if "</think>" in written else len(written)
        reached = (
            thinking_mode(request.messages, request.enable_thinking)
            and over_budget(thinking, request)
            and len(written) - len(pieces) + generated > ends_thinking
        )
        return replace(finished, thinking_budget_reached=reached)

    def _pause(self, seconds: float, cancelled: threading.Event, until: bool = False) -> bool:
        """Wait `seconds` (or until that monotonic time); False if cancelled meanwhile."""
        if math.isinf(self.tokens_per_s):
            # A real engine waits on the GPU between tokens, letting the UI thread run;
            # without this yield a pure-Python loop would starve it of the GIL.
            time.sleep(0)
            return not cancelled.is_set()
        delay = seconds - time.monotonic() if until else seconds
        return not cancelled.wait(max(0.0, delay)) if delay > 0 else not cancelled.is_set()

    def _finished(
        self,
        request: GenerationRequest,
        splitter: TextThinkingSplitter,
        reason: FinishReason,
        generated: int,
        ttft: float,
        started: float,
    ) -> GenerationFinished:
        total = time.monotonic() - started
        decode_s = max(total - ttft, 1e-9)
        rate = (generated - 1) / decode_s if generated > 1 else 0.0
        stats = GenerationStats(
            prompt_tokens=self._prompt_tokens(request),
            generated_tokens=generated,
            time_to_first_token_s=ttft,
            decode_tokens_per_s=rate,
            total_s=total,
        )
        return GenerationFinished(
            request.request_id,
            reason,
            stats,
            splitter.thinking,
            splitter.answer,
            splitter.thinking_finished,
        )


def _send(deltas: list[TextDelta], request_id: int, sink: EventSink) -> None:
    for delta in deltas:
        sink(replace(delta, request_id=request_id))
