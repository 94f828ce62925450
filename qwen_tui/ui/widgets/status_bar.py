"""The status line: engine, model, thinking mode, last reply's speed, context, GPU memory,
tools."""

from __future__ import annotations

from rich.text import Text
from textual.reactive import reactive
from textual.widget import Widget

from qwen_tui.chat.messages import GenerationStats
from qwen_tui.chat.terminal_text import visible_controls

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
    tools: reactive[str] = reactive("")
    """The MCP tools on offer: "5 tools · 2 servers" (empty without any configured)."""

    def render(self) -> Text:
        demo = self.engine_name == "demo"
        head = Text(no_wrap=True, overflow="ellipsis")
        head.append(f" {self.engine_name} ", "bold reverse" if demo else "bold")
        head.append(" ")
        # When the terminal is narrow the model name gives way first, then the last
        # reply's speed, then GPU memory, then the tools; the state, the mode and the
        # context stay.
        fields = self._fields()
        optional = ["speed", "gpu", "tools"]
        while True:
            tail = Text()
            for _, field in fields:
                tail.append(_SEPARATOR)
                tail.append_text(field)
            room = self.size.width - head.cell_len - tail.cell_len
            if room >= 8 or not optional:
                break
            dropped = optional.pop(0)
            fields = [(name, field) for name, field in fields if name != dropped]
        # The name comes from the model's files or a session's header: shown, never obeyed.
        model = Text(visible_controls(self.model_name), "italic" if demo else "")
        model.truncate(max(room, 8), overflow="ellipsis")
        return head + model + tail

    def _fields(self) -> list[tuple[str, Text]]:
        thinking = self.thinking and not self.soft_off
        mode = "think off (/no_think)" if self.soft_off and self.thinking else "think off"
        fields = [
            ("state", Text(self.state)),
            ("mode", Text("think on", "bold") if thinking else Text(mode)),
        ]
        if self.last_stats is not None:
            stats = self.last_stats
            speed = (
                f"{stats.decode_tokens_per_s:.1f} tok/s · TTFT {stats.time_to_first_token_s:.2f} s"
            )
            fields.append(("speed", Text(speed)))
        if self.context_limit:
            fields.append(("ctx", Text(f"ctx {self.context_used:,}/{self.context_limit:,}")))
        if self.gpu_memory:
            fields.append(("gpu", Text(self.gpu_memory)))
        if self.tools:
            fields.append(("tools", Text(self.tools)))
        return fields
