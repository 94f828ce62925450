"""`LocalEngine`: Qwen3 / Qwen3-MoE in-process, on the fast runner where it runs
(`fast_path.py`), else on transformers' modeling code.

One engine thread loads the model and serves requests one at a time (see `ThreadedEngine`);
a reply's tokens become deltas in `local_reply.py`.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from qwen_tui import heap
from qwen_tui.engine.base import (
    DeviceMemory,
    EngineFailure,
    GenerationRequest,
    RenderedPrompt,
    TemplateMessages,
    ToolSpecs,
    reply_room,
)
from qwen_tui.engine.events import (
    EngineReady,
    ErrorKind,
    EventSink,
    GenerationFinished,
    PrefillStarted,
)
from qwen_tui.engine.fast_path import build_runner, fast_path_blockers
from qwen_tui.engine.local_reply import ReplyStream
from qwen_tui.engine.prompt_cache import PromptCache
from qwen_tui.engine.prompting import ChatTokenizer
from qwen_tui.engine.spec import ModelSpec
from qwen_tui.engine.thinking_budget import BudgetedTokens
from qwen_tui.engine.token_sources import reply_tokens
from qwen_tui.engine.worker import ThreadedEngine
from qwen_tui.library_output import adopt_library_loggers

if TYPE_CHECKING:
    from qwen_tui.engine.loading import LoadedModel
    from qwen_tui.engine.runner.generate import Runner

_TOKENIZER_WAIT_S = 60.0


class LocalEngine(ThreadedEngine):
    name = "local"
    can_continue = True

    def __init__(self, spec: ModelSpec, *, seed: int | None = None) -> None:
        super().__init__()
        self.spec = spec
        self.model_name = spec.model
        self.seed = seed
        self._loaded: LoadedModel | None = None
        self._runner: Runner | None = None
        self.fast_path_blockers: list[str] = []
        """Why the fast GPU runner is not in use (empty when it is)."""
        self._tokenizer: ChatTokenizer | None = None
        self._tokenizer_known = threading.Event()
        self._load_error: str | None = None
        self._prompts = PromptCache(self._render_uncached)

    def render_prompt(
        self,
        messages: Sequence[Mapping[str, Any]],
        enable_thinking: bool,
        tools: ToolSpecs | None = None,
    ) -> RenderedPrompt:
        """The exact prompt text and ids the model will see, `tools` offered. Thread-safe."""
        return self._prompts.render(messages, enable_thinking, tools or ())

    def count_prompt_tokens(
        self, messages: TemplateMessages, enable_thinking: bool, tools: ToolSpecs | None = None
    ) -> int:
        return len(self.render_prompt(messages, enable_thinking, tools).ids)

    def memory_in_use(self) -> DeviceMemory | None:
        """The caching allocator's counters: host-side bookkeeping, no GPU sync."""
        loaded = self._loaded
        if loaded is None or loaded.device.type != "cuda":
            return None
        import torch

        held = torch.cuda.memory_reserved(loaded.device)
        return DeviceMemory(held, torch.cuda.get_device_properties(loaded.device).total_memory)

    def _render_uncached(
        self,
        messages: Sequence[Mapping[str, Any]],
        enable_thinking: bool,
        tools: Sequence[Mapping[str, Any]],
    ) -> RenderedPrompt:
        return self._wait_for_tokenizer().render(messages, enable_thinking, tools or None)

    def close(self, timeout: float = 5.0) -> None:
        super().close(timeout)
        loaded, self._loaded = self._loaded, None
        if loaded is not None and loaded.device.type == "cuda":
            import torch

            del loaded
            torch.cuda.empty_cache()  # give the weights' memory back to other programs

    def _load(self, sink: EventSink) -> EngineReady:
        from qwen_tui.engine.loading import load_model

        adopt_library_loggers()  # transformers and the hub client print to stderr themselves
        try:
            loaded = load_model(
                self.spec.model,
                device=self.spec.device,
                dtype=self.spec.dtype,
                yarn_factor=self.spec.yarn_factor,
                progress=sink,
                on_tokenizer=self._tokenizer_loaded,
            )
        except Exception as exc:
            self._load_error = str(exc)
            self._tokenizer_known.set()
            raise
        self._loaded = loaded
        self.quantized = loaded.quantized
        self.context_limit = loaded.context_limit
        self.fast_path_blockers = fast_path_blockers(loaded)
        if not self.fast_path_blockers:
            self._runner = build_runner(loaded, sink)
        # The decode loop's module (transformers' cache class with it), imported now, not in
        # the first reply's time to its first token.
        import qwen_tui.engine.generation  # noqa: F401

        heap.settle()  # the load's millions of objects, out of every later collection
        return EngineReady(
            self.model_name, loaded.context_limit, loaded.load_seconds, str(loaded.device)
        )

    def _tokenizer_loaded(self, tokenizer: ChatTokenizer) -> None:
        self._tokenizer = tokenizer
        self._tokenizer_known.set()

    def _between_requests(self) -> None:
        # What the reply left (its text, the UI's widgets for it) joins the frozen heap, so
        # the next reply's collections stay short (`heap.py`).
        heap.settle()

    def _wait_for_tokenizer(self) -> ChatTokenizer:
        if not self._tokenizer_known.wait(_TOKENIZER_WAIT_S) or self._tokenizer is None:
            reason = self._load_error or "the model is still loading"
            raise EngineFailure(f"cannot render prompts: {reason}", ErrorKind.BUSY)
        return self._tokenizer

    def _generate(
        self, request: GenerationRequest, sink: EventSink, cancelled: threading.Event
    ) -> GenerationFinished:
        from qwen_tui.engine.generation import decode

        loaded = self._loaded
        assert loaded is not None
        rendered = self.render_prompt(request.messages, request.enable_thinking, request.tools).ids
        # A continued reply: the model reads its partial reply after the open turn.
        prefill = loaded.tokenizer.encode(request.prefill()) if request.continues else []
        prompt = (*rendered, *prefill)
        reply = ReplyStream(
            loaded.tokenizer, rendered, prefill, loaded.stop_ids, sink, request.request_id
        )
        budget = min(request.max_new_tokens, reply_room(len(prompt), loaded.context_limit))
        seed = self.seed if request.seed is None else request.seed
        source = reply_tokens(
            loaded, self._runner, prompt, request, (budget, seed), cancelled, reply.in_thinking
        )
        reply.budgeted = source if isinstance(source, BudgetedTokens) else None
        sink(PrefillStarted(request.request_id, len(prompt)))
        result = decode(
            iter(source),
            len(prompt),
            max_new_tokens=budget,
            stop_ids=loaded.stop_ids,
            cancelled=cancelled,
            on_tokens=reply.tokens,
            started=self.request_submitted_at,
        )
        reply.finish()
        splitter = reply.splitter
        return GenerationFinished(
            request.request_id,
            result.reason,
            result.stats,
            splitter.thinking,
            splitter.answer,
            splitter.thinking_finished,
            result.token_ids,
            thinking_budget_reached=isinstance(source, BudgetedTokens) and source.reached,
        )
