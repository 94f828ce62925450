"""`PromptCache`: the last few prompts an engine rendered, so one prompt is rendered once.

The context budget counts a turn's prompt on the UI thread just before the engine thread
needs the same prompt to generate; rendering a long conversation twice costs time at the
start of every reply.
"""

from __future__ import annotations

import json
import threading
from collections import OrderedDict
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from qwen_tui.engine.base import RenderedPrompt

Render = Callable[[Sequence[Mapping[str, Any]], bool, Sequence[Mapping[str, Any]]], RenderedPrompt]
"""Render (messages, enable_thinking, tools offered) into a prompt."""


class PromptCache:
    """Renders through `render`, keeping the `size` most recent results. Thread-safe."""

    def __init__(self, render: Render, size: int = 4) -> None:
        self._render = render
        self._size = size
        self._lock = threading.Lock()
        self._recent: OrderedDict[str, RenderedPrompt] = OrderedDict()

    def render(
        self,
        messages: Sequence[Mapping[str, Any]],
        enable_thinking: bool,
        tools: Sequence[Mapping[str, Any]] = (),
    ) -> RenderedPrompt:
        key = json.dumps(
            [list(messages), enable_thinking, list(tools)], ensure_ascii=False, default=str
        )
        with self._lock:
            found = self._recent.get(key)
            if found is not None:
                self._recent.move_to_end(key)
                return found
        rendered = self._render(messages, enable_thinking, tools)
        with self._lock:
            self._recent[key] = rendered
            while len(self._recent) > self._size:
                self._recent.popitem(last=False)
        return rendered
