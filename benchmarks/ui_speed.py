"""The chat UI's speed beside the engine's own and `qwen-chat run`'s, on one checkpoint.

    python -m benchmarks.ui_speed --model DIR [--tokens 3000] [--long-prompt 4000]

The real Textual app runs headless (`ChatApp(settings, engine=...)`, `run_test`, Pilot)
with the local engine. Two turns: a short question answered with `--tokens` new tokens
(the decode figures), then a prompt of about `--long-prompt` tokens (the time to the first
token of a long prompt). While the first reply streams, keys are typed into the prompt
box, as Pilot presses them, each timed from its key event to the box showing it. Then
`qwen-chat run --json` answers the same prompts (`--run-turns`: the first one or both),
each in a process of its own.

Prints one JSON object. Per front-end: the time to the first token from pressing enter (or
starting `run`'s request) to the first delta handed to it (for the UI also the part from
Enter to the request's submission; `--profile-send PREFIX` writes a cProfile of the UI
thread over it, a file a turn; `--sample-stacks PREFIX` counts where every thread is from
Enter to the first token, `stack_sampler.py`, and `--split-first-token` splits the
engine's part of it at its prefill, `first_token_split.py`); decode tokens/s as the
front-end received
the reply (first delta to the reply's end); the engine's own `GenerationStats`; for the UI
also key-press latency (median and max, ms) and the time from the engine's last event to
an idle UI.
`ui_over_run` divides the UI's figures by `run`'s.
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import json
import pstats
import statistics
import subprocess
import sys
import time
from dataclasses import asdict

from textual import events

from benchmarks.engine_timing import TimedEngine
from benchmarks.first_token_split import FirstTokenSplit
from benchmarks.stack_sampler import StackSampler
from qwen_tui.config import Settings
from qwen_tui.engine.local import LocalEngine
from qwen_tui.engine.spec import ModelSpec
from qwen_tui.ui.app import ChatApp

SHORT_PROMPT = "Tell me a long story about the sea, with many chapters."
KEY = "x"


def long_prompt(tokens: int) -> str:
    """Text of about `tokens` tokens for a BPE vocabulary (numbers and short words)."""
    words = ("river", "stone", "light", "north", "paper", "green", "quiet", "metal")
    return " ".join(f"{words[i % len(words)]} {i}" for i in range(tokens // 3))


# The UI's internals the benchmark reads, in one place for when the UI is restructured.
def conversation_messages(app: ChatApp) -> list:
    return app.core.conversation.messages


def prompt_box(app: ChatApp):
    return app.chat_screen.query_one("#prompt")


async def wait_until(condition, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise SystemExit(f"ui_speed: timed out waiting for {what}")
        await asyncio.sleep(0.002)


async def key_latency(app: ChatApp) -> float:
    """Seconds from a key event (sent as Pilot sends it) to the prompt box showing it."""
    box = prompt_box(app)
    before = len(box.text)
    sent = time.perf_counter()
    app._driver.send_message(events.Key(KEY, KEY))
    await wait_until(lambda: len(box.text) > before, 10, "a key press")
    return time.perf_counter() - sent


async def ui_turn(
    app,
    pilot,
    engine: TimedEngine,
    prompt: str,
    type_keys: bool,
    profile: str | None = None,
    stacks: str | None = None,
    split: FirstTokenSplit | None = None,
) -> dict:
    count = len(conversation_messages(app))
    prompt_box(app).text = prompt
    await pilot.pause()
    profiler = cProfile.Profile() if profile else None
    sent = time.perf_counter()
    if profiler is not None:
        engine.on_submit = profiler.disable  # the submission runs on the UI thread too
        profiler.enable()  # the UI thread (this one) from Enter to the request's submission
    sampler = StackSampler() if stacks else None
    if sampler is not None:
        sampler.start()  # every thread's stacks from Enter to the first token
    if split is not None:
        split.reset()
    await pilot.press("enter")
    if profiler is not None and profile is not None:
        await wait_until(lambda: engine.submitted_at is not None, 120, "the submission")
        engine.on_submit = None
        with open(profile, "w") as out:
            pstats.Stats(profiler, stream=out).sort_stats("cumulative").print_stats(40)
    await wait_until(lambda: engine.first_delta_at is not None, 120, "the first token")
    if sampler is not None and stacks is not None:
        sampler.stop()
        sampler.write(stacks)
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
        "decode_tok_s": _rate(stats.generated_tokens, replied - engine.first_delta_at),
        "engine": asdict(stats),
        "last_token_to_idle_ms": round((idle - engine.finished_at) * 1000, 1),
    }
    if split is not None:
        turn["first_token_split"] = split.report(engine.request_submitted_at)
    if latencies:
        ms = [x * 1000 for x in latencies]
        turn["key_press_ms"] = {
            "median": round(statistics.median(ms), 1),
            "max": round(max(ms), 1),
            "count": len(ms),
        }
    prompt_box(app).text = ""
    return turn


async def measure_ui(
    settings: Settings,
    prompts: list[str],
    profile: str | None = None,
    stacks: str | None = None,
    split_first_token: bool = False,
) -> dict:
    spec = ModelSpec(settings.model, settings.device, settings.dtype)
    engine = TimedEngine(LocalEngine(spec))
    app = ChatApp(settings, engine=engine, recorder_factory=lambda _settings, _engine: None)
    started = time.perf_counter()
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_until(lambda: engine.ready_at is not None, 900, "the model to load")
        report = {"ready_s": round(engine.ready_at - started, 1)}
        split = None
        if split_first_token:
            if engine._runner is None:
                raise SystemExit(
                    f"--split-first-token: no fast runner ({engine.fast_path_blockers})"
                )
            split = FirstTokenSplit(engine._runner)
        for i, prompt in enumerate(prompts):
            engine.next_request()
            turn_profile = f"{profile}.turn{i + 1}.txt" if profile else None
            turn_stacks = f"{stacks}.turn{i + 1}.txt" if stacks else None
            report[f"turn{i + 1}"] = await ui_turn(
                app, pilot, engine, prompt, i == 0, turn_profile, turn_stacks, split
            )
    engine.close()
    return report


def measure_run(settings: Settings, prompt: str) -> dict:
    """`qwen-chat run --json` in a process of its own; its stats as it reported them."""
    command = [sys.executable, "-m", "qwen_tui", "run", "-", "--json", "--no-save"]
    command += ["--model", settings.model, "--max-new-tokens", str(settings.max_new_tokens)]
    command += ["--device", settings.device, "--dtype", settings.dtype]
    started = time.perf_counter()
    done = subprocess.run(command, input=prompt, capture_output=True, text=True, check=False)
    wall = time.perf_counter() - started
    if done.returncode != 0:
        return {"error": done.stderr.strip()[-2000:]}
    stats = json.loads(done.stdout)["stats"]
    return {"wall_s": round(wall, 1), "engine": stats}


def _rate(tokens: int, seconds: float) -> float:
    return round((tokens - 1) / seconds, 1) if tokens > 1 and seconds > 0 else 0.0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", required=True)
    parser.add_argument("--tokens", type=int, default=3000)
    parser.add_argument("--long-prompt", type=int, default=4000)
    parser.add_argument("--device", default="auto")
    parser.add_argument("--dtype", default="auto")
    parser.add_argument("--run-turns", type=int, default=2, help="0: the UI only")
    parser.add_argument(
        "--profile-send", metavar="PREFIX", help="cProfile the UI from Enter to the submission"
    )
    parser.add_argument(
        "--sample-stacks",
        metavar="PREFIX",
        help="sample every thread's stacks from Enter to the first token (stack_sampler.py)",
    )
    parser.add_argument(
        "--split-first-token",
        action="store_true",
        help="the engine's time to the first token split at its prefill (first_token_split.py)",
    )
    args = parser.parse_args()
    import torch

    settings = Settings(
        model=args.model,
        engine="local",
        device=args.device,
        dtype=args.dtype,
        max_new_tokens=args.tokens,
    )
    prompts = [SHORT_PROMPT, long_prompt(args.long_prompt)]
    report: dict = {"device": torch.cuda.get_device_name() if torch.cuda.is_available() else "cpu"}
    report["ui"] = asyncio.run(
        measure_ui(settings, prompts, args.profile_send, args.sample_stacks, args.split_first_token)
    )
    print(json.dumps(report, indent=1), flush=True)
    if args.run_turns > 0:
        runs = enumerate(prompts[: args.run_turns])
        report["run"] = {f"turn{i + 1}": measure_run(settings, p) for i, p in runs}
        report["ui_over_run"] = ratios(report)
    print(json.dumps(report, indent=1))


def ratios(report: dict) -> dict:
    ui, run = report["ui"]["turn1"], report["run"]["turn1"]
    if "engine" not in run:
        return {}
    run_rate = run["engine"]["decode_tokens_per_s"]
    return {
        "decode_as_received": round(ui["decode_tok_s"] / run_rate, 3) if run_rate else None,
        "decode_engine": round(ui["engine"]["decode_tokens_per_s"] / run_rate, 3)
        if run_rate
        else None,
    }


if __name__ == "__main__":
    main()
