"""The thinking of one assistant turn: live while it streams, then folded to one line."""

from __future__ import annotations

import time
from collections.abc import Callable

from rich.console import RenderableType
from rich.text import Text
from textual.binding import Binding
from textual.containers import Vertical
from textual.reactive import reactive
from textual.timer import Timer
from textual.widget import Widget

from qwen_tui.chat.terminal_text import visible_controls

LIVE_LINES = 8
"""Lines of thinking shown while it streams (the newest ones)."""


class _Line(Widget):
    """A one-line header that repaints without asking the screen for a new layout."""

    def __init__(self, pane: ThinkingPane) -> None:
        super().__init__(classes="thinking-header")
        self._pane = pane

    def render(self) -> RenderableType:
        return Text(self._pane.header_text(), no_wrap=True, overflow="ellipsis")


class _Body(Widget):
    """The thinking text, its control characters shown as marks. While it streams it has
    a fixed height and shows the newest lines, so each update is a repaint of this widget,
    not a layout of the screen."""

    def __init__(self, pane: ThinkingPane) -> None:
        super().__init__(classes="thinking-body")
        self._pane = pane

    def render(self) -> RenderableType:
        if not self._pane.streaming or self.size.width <= 0:
            return Text(visible_controls(self._pane.text))
        # Only the tail can be visible; wrap just enough of it to fill the pane.
        tail = Text(visible_controls(self._pane.text[-LIVE_LINES * self.size.width * 2 :]))
        lines = tail.wrap(self.app.console, self.size.width)
        return Text("\n").join(lines[-LIVE_LINES:])


class ThinkingPane(Vertical, can_focus=True):
    """A header with time and token count above the thinking text.

    Streams open, folds when the answer starts; Enter or a click opens and closes it.
    """

    BINDINGS = [
        Binding("enter", "open_or_fold", "Open/fold", show=False),
        Binding("c,y", "copy", "Copy thinking", show=False),
    ]

    expanded: reactive[bool] = reactive(True)

    def __init__(
        self,
        thinking: str = "",
        *,
        live: bool = False,
        tokens: int | None = None,
        budget_reached: bool = False,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        """`thinking` and its `tokens` (if known) for a finished turn, `budget_reached` if
        the thinking budget ended it; `live` for one that streams, timed by `clock` (a
        played-back session's stands still while paused)."""
        super().__init__(classes="-live" if live else "-folded")
        self._parts: list[str] = [thinking] if thinking else []
        self._text_cache: str | None = None
        self._tokens = tokens or 0
        self._tokens_known = live or tokens is not None
        self._clock = clock
        self._live = live
        self._started: float | None = None
        self._elapsed: float | None = None
        self._stopped_early = False
        self._budget_reached = budget_reached
        self._ticker: Timer | None = None
        self._header = _Line(self)
        self._body = _Body(self)
        self.set_reactive(ThinkingPane.expanded, live)

    def compose(self):
        yield self._header
        yield self._body

    def on_mount(self) -> None:
        if self._live:
            self._ticker = self.set_interval(0.1, self._header.refresh)

    @property
    def text(self) -> str:
        """The thinking so far."""
        if self._text_cache is None:
            self._text_cache = "".join(self._parts)
        return self._text_cache

    @property
    def streaming(self) -> bool:
        return self._live

    def append(self, text: str, tokens: int) -> None:
        """More thinking arrived (`tokens` deltas' worth)."""
        if self._started is None:
            self._started = self._clock()
            self.display = True
        self._parts.append(text)
        self._text_cache = None
        self._tokens += tokens
        # The body grows to LIVE_LINES (a layout), then stays that high (a repaint).
        self._body.refresh(layout=self._body.size.height < LIVE_LINES)
        self._header.refresh()

    def stop(
        self,
        *,
        final_text: str | None = None,
        early: bool = False,
        tokens: int | None = None,
        budget_reached: bool = False,
    ) -> None:
        """The thinking ended (the answer began, or the turn stopped): fold to a summary.

        `final_text` replaces what streamed (the engine's trimmed text) and `tokens` the
        count of what streamed (the reply's own); `early` marks a turn that stopped inside
        its thinking, `budget_reached` one whose thinking the budget ended.
        """
        if tokens is not None or budget_reached:
            self._tokens = self._tokens if tokens is None else tokens
            self._budget_reached = self._budget_reached or budget_reached
            self._header.refresh()
        if not self._live:
            return
        self._live = False
        if self._ticker is not None:
            self._ticker.stop()
        self._stopped_early = early
        if self._started is not None:
            self._elapsed = self._clock() - self._started
        if final_text is not None:
            self._parts = [final_text] if final_text else []
            self._text_cache = None
        self.remove_class("-live")
        self.display = bool(self.text) or early
        self.expanded = False
        self._body.refresh(layout=True)
        self._header.refresh()

    def resume(self) -> None:
        """The turn goes on inside its thinking (`/continue`): stream open again, the
        clock going on from the time already spent."""
        if self._live:
            return
        self._live, self._stopped_early = True, False
        self._started = self._clock() - (self._elapsed or 0.0)
        self._elapsed = None
        self.add_class("-live")
        self.display = True
        self.expanded = True
        self._ticker = self.set_interval(0.1, self._header.refresh)

    def action_open_or_fold(self) -> None:
        """Open or fold the thinking."""
        self.expanded = not self.expanded

    def action_copy(self) -> None:
        """Copy the thinking to the clipboard."""
        self.app.copy_to_clipboard(self.text)
        self.notify(f"Copied the thinking ({len(self.text):,} characters).")

    def on_click(self) -> None:
        self.action_open_or_fold()

    def watch_expanded(self, expanded: bool) -> None:
        self.set_class(not expanded, "-folded")
        self._header.refresh()

    def header_text(self) -> str:
        """The one-line summary: "▸ Thought for 12.3 s · 850 tokens" and its live form."""
        arrow = "▾" if self.expanded else "▸"
        tokens = f"{self._tokens:,} token{'' if self._tokens == 1 else 's'}"
        if self._live:
            elapsed = self._clock() - self._started if self._started else 0.0
            return f"{arrow} Thinking… {duration(elapsed)} · {tokens}"
        budget = " · thinking budget reached" if self._budget_reached else ""
        if self._elapsed is None:  # a turn from a saved conversation: no timing kept
            if not self._tokens_known:  # saved by an older version: no count either
                tokens = f"{len(self.text.split()):,} words"
            return f"{arrow} Thoughts · {tokens}{budget}"
        verb = "Stopped thinking after" if self._stopped_early else "Thought for"
        return f"{arrow} {verb} {duration(self._elapsed)} · {tokens}{budget}"


def duration(seconds: float) -> str:
    """ "6.1 s" under a minute, "2 min 05 s" from there on."""
    if seconds < 59.95:
        return f"{seconds:.1f} s"
    minutes, rest = divmod(round(seconds), 60)
    return f"{minutes} min {rest:02d} s"
