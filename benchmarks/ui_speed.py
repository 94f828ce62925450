"""The chat UI's speed beside the engine's own and `qwen-chat run`'s, on one checkpoint.

    python -m benchmarks.ui_speed --model DIR [--tokens 3000] [--long-prompt 4000]

The real Textual app runs headless (`ChatApp(settings, engine=...)`, `run_test`, Pilot)
with the local engine. Three turns: a short question answered with `--tokens` new tokens
(the decode figures), a prompt of about `--long-prompt` tokens (the time to the first
token of a long prompt), and a short follow-up (a later turn's first token, the history
before it in the cache), each driven by `ui_turn.py`, which puts the prompt in the input
half a second before Enter (as a user pauses; the app counts it meanwhile) and types keys
while the first reply streams. Then
`qwen-chat run --json` answers the same prompts (`--run-turns`: the first one or two),
each in a process of its own.

Prints one JSON object. Per front-end: the time to the first token from pressing enter (or
starting `run`'s request) to the first delta handed to it (for the UI also the part from
Enter to the request's submission; `--profile-send PREFIX` writes a cProfile of the UI
thread over it, a file a turn; `--sample-stacks PREFIX` counts where every thread is from
Enter to the first token, `stack_sampler.py`, and `--split-first-token` splits the
engine's part of it at its prefill, `first_token_split.py`); decode tokens/s as the
front-end received the reply (first delta to the reply's end); the engine's own
`GenerationStats`; for the UI also key-press latency (median and max, ms) and the time
from the engine's last event to an idle UI.
`ui_over_run` divides the UI's figures by `run`'s.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import subprocess
import sys
import time

from benchmarks.engine_timing import TimedEngine
from benchmarks.first_token_split import FirstTokenSplit
from benchmarks.ui_turn import Probes, ui_turn, wait_until
from qwen_tui.config import Settings
from qwen_tui.engine.local import LocalEngine
from qwen_tui.engine.spec import ModelSpec
from qwen_tui.ui.app import ChatApp

SHORT_PROMPT = "Tell me a long story about the sea, with many chapters."
FOLLOW_UP = "Thank you. Now tell it again in one line."


def long_prompt(tokens: int) -> str:
    """Text of about `tokens` tokens for a BPE vocabulary (numbers and short words)."""
    words = ("river", "stone", "light", "north", "paper", "green", "quiet", "metal")
    return " ".join(f"{words[i % len(words)]} {i}" for i in range(tokens // 3))


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
            split = FirstTokenSplit(engine._runner, engine._engine)
        for i, prompt in enumerate(prompts):
            engine.next_request()
            probes = Probes(
                f"{profile}.turn{i + 1}.txt" if profile else None,
                f"{stacks}.turn{i + 1}.txt" if stacks else None,
                split,
            )
            report[f"turn{i + 1}"] = await ui_turn(app, pilot, engine, prompt, i == 0, probes)
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
    prompts = [SHORT_PROMPT, long_prompt(args.long_prompt), FOLLOW_UP]
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
