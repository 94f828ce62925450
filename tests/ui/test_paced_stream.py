"""The answer streams into its Markdown widget paced by how busy the UI thread is, so a
long block being streamed cannot keep the engine from the GIL; the text shown at the end
is always the whole answer."""

from __future__ import annotations

from textual.app import App, ComposeResult
from textual.widgets import Markdown

from qwen_tui.ui.paced_stream import (
    FRAME_S,
    SLOWEST_S,
    UI_SHARE,
    PacedMarkdownStream,
    _next_interval,
)


def test_a_busy_ui_thread_spaces_the_appends_out_and_an_idle_one_brings_them_back():
    interval = FRAME_S
    for _ in range(20):  # the UI thread busy all the time: slow down, up to the slowest pace
        interval = _next_interval(interval, busy_s=interval, elapsed_s=interval)
    assert interval == SLOWEST_S
    for _ in range(20):  # idle again: back to one append a frame
        interval = _next_interval(interval, busy_s=0.0, elapsed_s=interval)
    assert interval == FRAME_S


def test_at_the_target_share_the_pace_holds():
    assert _next_interval(0.1, busy_s=0.1 * UI_SHARE, elapsed_s=0.1) == 0.1


class OneMarkdown(App[None]):
    def compose(self) -> ComposeResult:
        yield Markdown()


async def test_every_fragment_written_is_shown_once_the_stream_stops():
    app = OneMarkdown()
    async with app.run_test() as pilot:
        markdown = app.query_one(Markdown)
        stream = PacedMarkdownStream(markdown)
        pieces = [f"word{i} " for i in range(500)] + ["\n\n```python\nprint(1)\n```\n"]
        for piece in pieces:
            await stream.write(piece)
            if len(piece) % 7 == 0:
                await pilot.pause()
        await stream.stop()
        assert markdown.source == "".join(pieces)
