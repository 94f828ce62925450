"""How much the chat UI delays the engine's host side, measured on a CPU: the real Textual
app and the local engine's own host path (its reply stream, the decode loop, the events)
over a GPU emulated by a clock.

    python -m benchmarks.ui_host_pace [--tokens 3000] [--step-ms 2.37] [--steps 8]

On the H200 the engine decoded 421.8 tok/s alone and 385.8 inside the chat UI (NOTES.md):
the GPU idles whenever the host, sharing the GIL with the UI thread, comes back late to
queue the next replay. This runs the same pipeline as `Runner.generate_blocks` (queue the
next replay, then wait for the copy of the one before) against an emulated GPU whose
replays of `--steps` tokens take `--steps` x `--step-ms`, with the waits in `time.sleep`
(which releases the GIL, as a CUDA event's wait does). The reply is real Markdown
(paragraphs, lists, code blocks) from a tiny checkpoint's tokenizer. Prints one JSON
object: the emulated GPU's own rate, the rate the engine reached, the GPU's idle share,
and the late replays, with the UI ("ui") and with the events going nowhere ("alone").
"""

from __future__ import annotations

import argparse
import asyncio
import json
import tempfile
import threading
import time
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from benchmarks.engine_timing import TimedEngine
from benchmarks.ui_turn import ui_turn
from qwen_tui.config import Settings
from qwen_tui.engine.local import LocalEngine
from qwen_tui.engine.spec import ModelSpec
from qwen_tui.engine.synthetic.checkpoint import tiny_config, write_checkpoint
from qwen_tui.ui.app import ChatApp

SECTION = """## Part {n}: how the tide turns

The sea keeps its own hours. Each morning the water draws back from the harbour wall and
leaves the boats leaning in the mud, and each evening it comes back to lift them again.

- the **moon** pulls the near side of the ocean towards it;
- the *earth* turns beneath that bulge, twice a day;
- the shape of each coast decides how high the water climbs.

```python
def tide_height(hour: float, amplitude: float = 2.5) -> float:
    return amplitude * math.cos(2 * math.pi * hour / 12.42)
```

So a sailor reads the table, waits for the flood, and leaves on the ebb.

"""


class EmulatedGpu:
    """A GPU as a clock: a replay launched at t starts when the one before ends and takes
    `replay_s`; waiting for its tokens sleeps until then. Keeps the idle time between
    replays, when the host came back too late to keep one queued."""

    def __init__(self, replay_s: float) -> None:
        self.replay_s = replay_s
        self.free_at = 0.0
        self.first_start: float | None = None
        self.idle_s = 0.0
        self.late = 0
        self.longest_idle_s = 0.0
        self.stalls: list[tuple[float, float]] = []  # (since the first launch, idle) in s

    def launch(self) -> float:
        now = time.perf_counter()
        if self.first_start is None:
            self.first_start, self.free_at = now, now
        elif now > self.free_at:  # the GPU ran dry: the host is late
            gap = now - self.free_at
            self.idle_s += gap
            self.late += 1
            self.longest_idle_s = max(self.longest_idle_s, gap)
            if gap > self.replay_s / 4:
                self.stalls.append((self.free_at - self.first_start, gap))
        start = max(now, self.free_at)
        self.free_at = start + self.replay_s
        return self.free_at

    def report(self, tokens: int) -> dict[str, float]:
        busy_from = self.first_start or 0.0
        wall = self.free_at - busy_from
        return {
            "gpu_tok_s": round(tokens / (wall - self.idle_s), 1) if wall > self.idle_s else 0.0,
            "reached_tok_s": round(tokens / wall, 1) if wall > 0 else 0.0,
            "gpu_idle_share": round(self.idle_s / wall, 4) if wall > 0 else 0.0,
            "late_replays": self.late,
            "longest_idle_ms": round(self.longest_idle_s * 1000, 2),
            "stalls_ms": [[round(at * 1000), round(gap * 1000, 1)] for at, gap in self.stalls],
        }


class EmulatedRunner:
    """Stands in for `Runner` in the local engine: `generate_blocks` yields `text_ids` a
    replay at a time through the same two-deep pipeline, on an `EmulatedGpu`."""

    def __init__(self, text_ids: Sequence[int], steps: int, step_s: float) -> None:
        self.text_ids, self.steps = list(text_ids), steps
        self.gpu = EmulatedGpu(steps * step_s)
        self.tokens = 0

    def generate_blocks(
        self,
        prompt_ids: Sequence[int],
        params: Any,
        max_new_tokens: int,
        stop_ids: set[int],
        cancelled: threading.Event | None = None,
        seed: int | None = None,
        resume_at: int = 0,
    ) -> Iterator[list[int]]:
        ids = (self.text_ids * (max_new_tokens // len(self.text_ids) + 1))[:max_new_tokens]
        blocks = [ids[i : i + self.steps] for i in range(0, len(ids), self.steps)]
        pending = [(self.gpu.launch(), blocks[0])]
        for block in blocks[1:]:
            pending.append((self.gpu.launch(), block))  # queue before waiting for the last
            done_at, ready = pending.pop(0)
            time.sleep(max(0.0, done_at - time.perf_counter()))
            self.tokens += len(ready)
            yield ready
            if cancelled is not None and cancelled.is_set():
                return
        done_at, ready = pending.pop(0)
        time.sleep(max(0.0, done_at - time.perf_counter()))
        self.tokens += len(ready)
        yield ready


async def through_the_ui(settings: Settings, runner: EmulatedRunner) -> dict[str, Any]:
    local = LocalEngine(ModelSpec(settings.model, "cpu", "float32"))
    engine = TimedEngine(local)
    app = ChatApp(settings, engine=engine, recorder_factory=lambda _settings, _engine: None)
    async with app.run_test(size=(120, 40)) as pilot:
        while engine.ready_at is None:
            await asyncio.sleep(0.01)
        local._runner = runner  # type: ignore[assignment]  # the emulated GPU's
        turn = await ui_turn(app, pilot, engine, "Tell me about the tides.", True)
    engine.close()
    return {**runner.gpu.report(runner.tokens), "key_press_ms": turn.get("key_press_ms")}


def alone(settings: Settings, runner: EmulatedRunner) -> dict[str, Any]:
    """The same engine and reply with every event dropped: the host side without a UI."""
    from qwen_tui.chat.sampling import NON_THINKING_PRESET
    from qwen_tui.engine.base import GenerationRequest
    from qwen_tui.engine.events import EngineReady, GenerationFinished

    local = LocalEngine(ModelSpec(settings.model, "cpu", "float32"))
    finished = threading.Event()
    ready = threading.Event()

    def sink(event: object) -> None:
        if isinstance(event, GenerationFinished):
            finished.set()
        elif isinstance(event, EngineReady):
            ready.set()

    local.start(sink)
    ready.wait(120)
    local._runner = runner  # type: ignore[assignment]
    messages = [{"role": "user", "content": "Tell me about the tides."}]
    request = GenerationRequest(
        messages, False, NON_THINKING_PRESET, max_new_tokens=settings.max_new_tokens
    )
    local.submit(request)
    finished.wait(600)
    local.close()
    return runner.gpu.report(runner.tokens)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tokens", type=int, default=3000)
    parser.add_argument("--step-ms", type=float, default=2.37, help="a decode step on the GPU")
    parser.add_argument("--steps", type=int, default=8, help="decode steps a replay")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        model = write_checkpoint(
            Path(scratch) / "tiny", tiny_config(moe=False, max_position_embeddings=40960)
        )
        settings = Settings(
            model=str(model),
            engine="local",
            device="cpu",
            dtype="float32",
            max_new_tokens=args.tokens,
        )
        from qwen_tui.engine.prompting import ChatTokenizer

        text = "".join(SECTION.format(n=n) for n in range(1, 60))
        text_ids = ChatTokenizer(model).encode(text)
        report: dict[str, Any] = {"step_ms": args.step_ms, "steps": args.steps}
        report["alone"] = alone(settings, EmulatedRunner(text_ids, args.steps, args.step_ms / 1000))
        runner = EmulatedRunner(text_ids, args.steps, args.step_ms / 1000)
        report["ui"] = asyncio.run(through_the_ui(settings, runner))
    print(json.dumps(report, indent=1))


if __name__ == "__main__":
    main()
