"""`qwen-chat serve` as a client sees it, against the engine's own figures in the same run.

    python -m benchmarks.serve_speed --model DIR [--device cuda] [--runs 3]

Starts `serve --save` on the model, streams replies with the official `openai` client and
times them as a client does: time to first token from the request to the first text, and
tokens/s from the first text to the last (the count from the reply's `usage`). The engine's
own time to first token and tokens/s for the same replies are the ones each saved session
records (what `qwen-chat run --json` reports). Prints one JSON object; the target is a
client tok/s of at least 95% of the engine's.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import openai

from qwen_tui.sessions import SessionStore

TARGET = 0.95
_URL = re.compile(r"^Serving .* at (http://\S+/v1) ")
_SENTENCE = "The quick brown fox jumps over the lazy dog near the riverbank. "  # ~13 tokens


def start_server(args: argparse.Namespace, root: Path) -> tuple[subprocess.Popen, str, float]:
    """`serve` on a free port with its own data directory; its URL once the model is ready."""
    env = os.environ | {
        "QWEN_TUI_CONFIG_DIR": str(root / "config"),
        "QWEN_TUI_DATA_DIR": str(root / "data"),
        "HF_HUB_OFFLINE": "1",
    }
    command = [sys.executable, "-m", "qwen_tui", "serve", "--port", "0", "--save"]
    command += ["--model", args.model, "--device", args.device, "--dtype", args.dtype]
    started = time.perf_counter()
    server = subprocess.Popen(
        command,
        stdout=subprocess.PIPE,
        stderr=(root / "serve.stderr").open("w"),
        text=True,
        env=env,
    )
    assert server.stdout is not None
    for line in server.stdout:
        found = _URL.match(line)
        if found:
            return server, found.group(1), time.perf_counter() - started
    server.wait()
    raise SystemExit(f"serve exited ({server.returncode}): {(root / 'serve.stderr').read_text()}")


def stream_once(client: openai.OpenAI, model: str, prompt: str, max_tokens: int) -> dict:
    """One streamed reply, timed by the client."""
    sent = time.perf_counter()
    first = last = None
    usage = None
    stream = client.chat.completions.create(
        model=model,
        messages=[{"role": "user", "content": prompt}],
        stream=True,
        stream_options={"include_usage": True},
        max_tokens=max_tokens,
        seed=0,
    )
    for chunk in stream:
        if chunk.usage is not None:
            usage = chunk.usage
        for choice in chunk.choices:
            extra = choice.delta.model_extra or {}
            if choice.delta.content or extra.get("reasoning_content"):
                last = time.perf_counter()
                first = first or last
    assert usage is not None and first is not None and last is not None
    tokens = usage.completion_tokens
    return {
        "prompt_tokens": usage.prompt_tokens,
        "completion_tokens": tokens,
        "ttft_s": first - sent,
        "decode_tok_s": (tokens - 1) / (last - first) if tokens > 1 and last > first else 0.0,
        "total_s": last - sent,
    }


def engine_figures(data_dir: Path, markers: list[str]) -> list[dict]:
    """The stats each saved session recorded for the reply to the prompt with `marker`."""
    store = SessionStore(data_dir / "sessions")
    by_marker = {}
    for session_id in store.ids():
        messages = store.load(session_id).conversation.messages
        if len(messages) >= 2 and messages[1].stats is not None:
            by_marker[messages[0].content.split(":", 1)[0]] = messages[1].stats
    figures = []
    for marker in markers:
        stats = by_marker[marker]
        figures.append(
            {
                "completion_tokens": stats.generated_tokens,
                "ttft_s": stats.time_to_first_token_s,
                "decode_tok_s": stats.decode_tokens_per_s,
            }
        )
    return figures


def median(runs: list[dict], key: str) -> float:
    return statistics.median(run[key] for run in runs)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", required=True, help="model directory")
    parser.add_argument("--device", default="auto")
    parser.add_argument("--dtype", default="auto")
    parser.add_argument("--runs", type=int, default=3, help="timed replies (after a warm-up)")
    parser.add_argument("--prompt-tokens", type=int, default=1000)
    parser.add_argument("--max-tokens", type=int, default=512)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="serve-speed-") as tmp:
        root = Path(tmp)
        server, url, load_s = start_server(args, root)
        try:
            client = openai.OpenAI(base_url=url, api_key="EMPTY", max_retries=0, timeout=600)
            [card] = client.models.list().data
            body = _SENTENCE * max(1, args.prompt_tokens // 13)
            stream_once(client, card.id, f"warm-up: {body}", args.max_tokens)
            markers = [f"run {i}" for i in range(args.runs)]
            client_runs = [
                stream_once(client, card.id, f"{marker}: {body}", args.max_tokens)
                for marker in markers
            ]
        finally:
            server.send_signal(signal.SIGINT)
            server.wait(60)
        engine_runs = engine_figures(root / "data", markers)
    client_tok_s, engine_tok_s = (
        median(client_runs, "decode_tok_s"),
        median(engine_runs, "decode_tok_s"),
    )
    report = {
        "device": _device_name(args.device),
        "model": args.model,
        "load_s": load_s,
        "prompt_tokens": client_runs[0]["prompt_tokens"],
        "client": {"ttft_s": median(client_runs, "ttft_s"), "decode_tok_s": client_tok_s},
        "engine": {"ttft_s": median(engine_runs, "ttft_s"), "decode_tok_s": engine_tok_s},
        "client_over_engine_tok_s": client_tok_s / engine_tok_s if engine_tok_s else None,
        "target": TARGET,
        "runs": {"client": client_runs, "engine": engine_runs},
    }
    ratio = report["client_over_engine_tok_s"]
    report["meets_target"] = ratio is not None and ratio >= TARGET
    print(json.dumps(report, indent=2))


def _device_name(device: str) -> str:
    import torch

    if device != "cpu" and torch.cuda.is_available():
        return torch.cuda.get_device_name()
    return "cpu"


if __name__ == "__main__":
    main()
