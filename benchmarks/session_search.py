"""How fast `qwen-chat sessions search` is over many sessions, cold and warm.

    python -m benchmarks.session_search [--sessions 1000] [--turns 50]

Writes, in a temporary data directory and through the real `SessionStore` and recorder
(demo-engine replies with thinking and a timeline), `--sessions` sessions of `--turns`
exchanges. Each session's questions name one of 50 topics, and one question in one
session holds a word found nowhere else. Then it times, in this process, a cold search
(no index yet: it is built from every file), warm searches (the index is up to date:
only each file's size and times are looked at) for the rare word, a topic and a word in
every session, the same after one session got one more turn, and warm searches as a user
runs them, in a fresh `qwen-chat` process (its output, 5,000 lines for the word in every
session, thrown away), beside that process's start-up alone. Prints one JSON object.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from qwen_tui.chat.messages import FinishReason, GenerationStats, Message, Role
from qwen_tui.chat.parts import Part
from qwen_tui.config import Settings
from qwen_tui.engine.scripted.demo_replies import compose_reply
from qwen_tui.sessions import SessionRecorder, SessionStore
from qwen_tui.sessions.search import search_sessions
from qwen_tui.sessions.search_index import INDEX_NAME
from qwen_tui.sessions.timeline import TimelineBuilder

PROMPTS = (
    "How do I reverse a string in Python?",
    "Explain recursion with a small example.",
    "What is the difference between a list and a tuple?",
    "Write a haiku about the sea.",
)
TOPICS = [f"topic{chr(97 + n // 26)}{chr(97 + n % 26)}" for n in range(50)]
RARE_WORD = "quokkabench"


def write_sessions(store: SessionStore, sessions: int, turns: int) -> None:
    for number in range(sessions):
        with store.create(Settings(), engine_name="demo", model_name="demo") as recorder:
            for turn in range(turns):
                rare = f" {RARE_WORD}" if (number, turn) == (sessions // 2, turns // 2) else ""
                prompt = f"{PROMPTS[turn % len(PROMPTS)]} ({TOPICS[number % 50]}){rare}"
                record_exchange(recorder, prompt, seed=number * turns + turn)


def record_exchange(recorder: SessionRecorder, prompt: str, seed: int) -> None:
    """One question and its demo reply, streamed in 20 pieces a part, as the UI records."""
    thinking, answer = compose_reply(prompt, seed=seed)
    recorder.record_user(Message(Role.USER, prompt))
    timeline = TimelineBuilder()
    timeline.start()
    for part, text in ((Part.THINKING, thinking), (Part.ANSWER, answer)):
        step = max(1, len(text) // 20)
        for index in range(0, len(text), step):
            timeline.add(part, text[index : index + step])
    reply = Message(
        Role.ASSISTANT,
        answer,
        thinking,
        finish_reason=FinishReason.STOP,
        stats=GenerationStats(40, 300, 0.2, 350.0, 1.1),
    )
    recorder.record_assistant(reply, timeline.take())


def timed(search: Callable[[], object], repeat: int = 1) -> dict[str, float]:
    """The median and best wall time of `repeat` runs of `search`, in seconds."""
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        search()
        times.append(time.perf_counter() - start)
    return {"median_s": round(statistics.median(times), 3), "best_s": round(min(times), 3)}


def in_process(store: SessionStore, text: str, thinking: bool = False) -> Callable[[], object]:
    def search() -> object:
        results = search_sessions(store, text, thinking=thinking)
        assert results.matches, text
        return results

    return search


def cli(data_dir: Path, text: str) -> Callable[[], object]:
    env = os.environ | {"QWEN_TUI_DATA_DIR": str(data_dir), "COLUMNS": "120"}
    env["QWEN_TUI_CONFIG_DIR"] = str(data_dir / "config")
    command = [sys.executable, "-m", "qwen_tui", "sessions", "search", text]
    return lambda: subprocess.run(command, env=env, stdout=subprocess.DEVNULL, check=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sessions", type=int, default=1000)
    parser.add_argument("--turns", type=int, default=50)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as temp:
        data = Path(temp)
        store = SessionStore(data / "sessions")
        started = time.perf_counter()
        write_sessions(store, args.sessions, args.turns)
        written_s = time.perf_counter() - started
        size = sum(path.stat().st_size for path in store.root.glob("*.jsonl"))
        topic, common = TOPICS[7], "string"
        report: dict[str, object] = {
            "sessions": args.sessions,
            "turns_each": args.turns,
            "sessions_mb": round(size / 2**20, 1),
            "written_in_s": round(written_s, 1),
            "cold_rare_word": timed(in_process(store, RARE_WORD)),
            "index_mb": round((store.root / INDEX_NAME).stat().st_size / 2**20, 1),
            "warm_rare_word": timed(in_process(store, RARE_WORD), repeat=5),
            "warm_topic": timed(in_process(store, topic), repeat=5),
            "warm_word_in_every_session": timed(in_process(store, common), repeat=5),
            "warm_word_in_every_session_thinking": timed(
                in_process(store, common, thinking=True), repeat=5
            ),
        }
        with store.open_for_append(store.ids()[0]) as recorder:
            record_exchange(recorder, f"One more question ({topic})", seed=0)
        report["after_one_more_turn"] = timed(in_process(store, topic))
        report["cli_warm_topic"] = timed(cli(data, topic), repeat=3)
        report["cli_warm_word_in_every_session"] = timed(cli(data, common), repeat=3)
        report["cli_version"] = timed(cli_startup(data), repeat=3)
    print(json.dumps(report, indent=2))


def cli_startup(data_dir: Path) -> Callable[[], object]:
    """`qwen-chat --version`: what a fresh process costs before any search."""
    command = [sys.executable, "-m", "qwen_tui", "--version"]
    env = os.environ | {"QWEN_TUI_DATA_DIR": str(data_dir)}
    return lambda: subprocess.run(command, env=env, stdout=subprocess.DEVNULL, check=True)


if __name__ == "__main__":
    main()
