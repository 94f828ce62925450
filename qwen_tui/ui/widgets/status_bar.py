"""The status line: engine, model, thinking mode, last reply's speed, context, GPU memory."""

from __future__ import annotations

from rich.text import Text
from textual.reactive import reactive
from textual.widget import Widget

from qwen_tui.chat.messages import GenerationStats

_SEPARATOR = " │ "


class StatusBar(Widget):
    """One line; every field is a reactive, so setting it redraws the bar."""

    engine_name: reactive[str] = reactive("")
    model_name: reactive[str] = reactive("")
    state: reactive[str] = reactive("starting")
    """What the engine is doing: "loading 40%", "ready", "generating", "failed"."""
    thinking: reactive[bool] = reactive(True)
    """The hard switch (Ctrl+T)."""
    soft_off: reactive[bool] = reactive(False)
    """The hard switch is on but the conversation's latest soft switch is /no_think."""
    last_stats: reactive[GenerationStats | None] = reactive(None)
    context_used: reactive[int] = reactive(0)
    context_limit: reactive[int] = reactive(0)
    gpu_memory: reactive[str] = reactive("")

    def render(self) -> Text:
        demo = self.engine_name == "demo"
        tail = Text(_SEPARATOR + self.state + _SEPARATOR)
        thinking = self.thinking and not self.soft_off
        mode = "think off (/no_think)" if self.soft_off and self.thinking else "think off"
        tail.append("think on" if thinking else mode, "bold" if thinking else "")
        if self.last_stats is not None:
            stats = self.last_stats
            tail.append(
                f"{_SEPARATOR}{stats.decode_tokens_per_s:.1f} tok/s"
                f" · TTFT {stats.time_to_first_token_s:.2f} s"
            )
        if self.context_limit:
            tail.append(f"{_SEPARATOR}ctx {self.context_used:,}/{self.context_limit:,}")
        if self.gpu_memory:
            tail.append(_SEPARATOR + self.gpu_memory)
        text = Text(no_wrap=True, overflow="ellipsis")
        text.append(f" {self.engine_name} ", "bold reverse" if demo else "bold")
        text.append(" ")
        # The model name gives way first when the terminal is narrow.
        room = max(self.size.width - text.cell_len - tail.cell_len, 8)
        model = Text(self.model_name, "italic" if demo else "")
        model.truncate(room, overflow="ellipsis")
        return text + model + tail
