"""One chat turn driven through the real Textual app headless (Pilot), timed as a user
sees it: for `ui_speed.py` (on a GPU) and `ui_host_pace.py` (on a CPU).

`ui_turn` types a prompt, presses Enter and waits for the reply; while it streams, keys
are typed into the prompt box, each timed from its key event to the box showing it.
`Probes` are the optional looks inside the time from Enter to the first token.
"""

from __future__ import annotations

import asyncio
import cProfile
import pstats
import statistics
import time
from dataclasses import asdict, dataclass

from textual import events

from benchmarks.engine_timing import TimedEngine
from benchmarks.first_token_split import FirstTokenSplit
from benchmarks.stack_sampler import StackSampler
from qwen_tui.ui.app import ChatApp

KEY = "x"
PAUSE_BEFORE_ENTER_S = 0.5
"""A user's pause between pasting or typing a prompt and pressing Enter (the app counts the
prompt meanwhile, `ui/count_ahead.py`; 0 times Enter right after the text appears)."""


# The UI's internals the benchmarks read, in one place for when the UI is restructured.
def conversation_messages(app: ChatApp) -> list:
    return app.core.conversation.messages


def prompt_box(app: ChatApp):
    return app.chat_screen.query_one("#prompt")


async def wait_until(condition, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise SystemExit(f"timed out waiting for {what}")
        await asyncio.sleep(0.002)


async def key_latency(app: ChatApp) -> float:
    """Seconds from a key event (sent as Pilot sends it) to the prompt box showing it."""
    box = prompt_box(app)
    before = len(box.text)
    sent = time.perf_counter()
    app._driver.send_message(events.Key(KEY, KEY))
    await wait_until(lambda: len(box.text) > before, 10, "a key press")
    return time.perf_counter() - sent


@dataclass
class Probes:
    """`profile`: a cProfile of the UI thread from Enter to the request's submission, to
    this file; `stacks`: every thread's sampled stacks from Enter to the first token, to
    this file (`stack_sampler.py`); `split`: the engine's part split at its prefill."""

    profile: str | None = None
    stacks: str | None = None
    split: FirstTokenSplit | None = None

    def __post_init__(self) -> None:
        self._profiler: cProfile.Profile | None = None
        self._sampler: StackSampler | None = None

    def before_enter(self, engine: TimedEngine) -> None:
        if self.profile:
            self._profiler = cProfile.Profile()
            engine.on_submit = self._profiler.disable  # the submission runs on this thread
            self._profiler.enable()
        if self.stacks:
            self._sampler = StackSampler()
            self._sampler.start()
        if self.split is not None:
            self.split.reset()

    async def after_enter(self, engine: TimedEngine) -> None:
        """Once Enter is handled: the profile ends with the submission."""
        if self._profiler is not None and self.profile is not None:
            await wait_until(lambda: engine.submitted_at is not None, 120, "the submission")
            engine.on_submit = None
            with open(self.profile, "w") as out:
                stats = pstats.Stats(self._profiler, stream=out)
                stats.sort_stats("cumulative").print_stats(40)
            self._profiler = None

    def at_first_token(self) -> None:
        if self._sampler is not None and self.stacks is not None:
            self._sampler.stop()
            self._sampler.write(self.stacks)
            self._sampler = None


async def ui_turn(
    app, pilot, engine: TimedEngine, prompt: str, type_keys: bool, probes: Probes | None = None
) -> dict:
    probes = probes or Probes()
    count = len(conversation_messages(app))
    prompt_box(app).text = prompt
    await pilot.pause(PAUSE_BEFORE_ENTER_S)
    probes.before_enter(engine)
    sent = time.perf_counter()
    await pilot.press("enter")
    await probes.after_enter(engine)
    await wait_until(lambda: engine.first_delta_at is not None, 120, "the first token")
    probes.at_first_token()
    latencies = []
    while type_keys and engine.finished_at is None:
        latencies.append(await key_latency(app))
        await asyncio.sleep(0.05)  # a fast typist: 20 keys a second
    await wait_until(lambda: len(conversation_messages(app)) >= count + 2, 600, "the reply")
    replied = time.perf_counter()
    await pilot.pause()
    idle = time.perf_counter()
    stats = conversation_messages(app)[-1].stats
    turn = {
        "ttft_s": round(engine.first_delta_at - sent, 4),
        "enter_to_submit_ms": round((engine.submitted_at - sent) * 1000, 1),
        "decode_tok_s": rate(stats.generated_tokens, replied - engine.first_delta_at),
        "engine": asdict(stats),
        "last_token_to_idle_ms": round((idle - engine.finished_at) * 1000, 1),
    }
    if probes.split is not None:
        turn["first_token_split"] = probes.split.report(engine.request_submitted_at)
    if latencies:
        ms = [x * 1000 for x in latencies]
        turn["key_press_ms"] = {
            "median": round(statistics.median(ms), 1),
            "max": round(max(ms), 1),
            "count": len(ms),
        }
    prompt_box(app).text = ""
    return turn


def rate(tokens: int, seconds: float) -> float:
    """Decode tokens/s after the first token."""
    return round((tokens - 1) / seconds, 1) if tokens > 1 and seconds > 0 else 0.0
