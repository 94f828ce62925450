"""How `sessions list`, `sessions show` and `run --resume` cope with one very long session.

    python -m benchmarks.sessions_scale [--turns 50000] [--sessions 20]

Writes, in a temporary data directory, `--sessions` ordinary sessions of three turns and
one session of `--turns` turns (demo-engine replies with thinking and a timeline, about
2.3 KB a turn: 50,000 turns make about 113 MB). Each command then runs as a user runs it,
in a fresh `qwen-chat` process with its output read and thrown away: `list` with only the
small sessions, then with the long one too (first run, which reads it, and a second,
which finds its row in the list's cache), `show` of the long one, and `run --resume` of
it, which is refused because its history outgrows the context. Prints one JSON object:
the file's size, and for each command its wall time, the time to its first byte of
output and its peak memory (the process's max RSS).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from qwen_tui.chat.messages import FinishReason, GenerationStats, Message, Role, TurnSettings
from qwen_tui.chat.sampling import THINKING_PRESET
from qwen_tui.config import Settings
from qwen_tui.engine.scripted.demo_replies import compose_reply
from qwen_tui.sessions.records import assistant_record, header_record, user_record
from qwen_tui.sessions.timeline import Chunk

PROMPTS = (
    "How do I reverse a string in Python?",
    "Explain recursion with a small example.",
    "What is the difference between a list and a tuple?",
    "Write a haiku about the sea.",
)


def write_session(path: Path, session_id: str, turns: int) -> None:
    """A session file of `turns` exchanges, written as the recorder writes them."""
    settings = Settings()
    turn = TurnSettings(True, True, THINKING_PRESET, 32_768)
    with open(path, "w", encoding="utf-8") as file:
        header = header_record(
            session_id, settings=settings, engine_name="demo", model_name="demo", replay_of=None
        )
        file.write(_line(header))
        for number in range(turns):
            prompt = f"{PROMPTS[number % len(PROMPTS)]} (turn {number})"
            thinking, answer = compose_reply(prompt, seed=number)
            file.write(_line(user_record(Message(Role.USER, prompt))))
            reply = Message(
                Role.ASSISTANT,
                answer,
                thinking,
                settings=turn,
                finish_reason=FinishReason.STOP,
                stats=GenerationStats(40 + number, 300, 0.2, 350.0, 1.1),
            )
            chunks = _chunks(thinking, answer)
            file.write(_line(assistant_record(reply, chunks)))


def _chunks(thinking: str, answer: str) -> list[Chunk]:
    """A timeline of 20 pieces per part, as a reply streamed at a steady pace gives."""
    chunks = []
    for kind, text, start in (("thinking", thinking, 0.2), ("answer", answer, 0.7)):
        step = max(1, len(text) // 20)
        for index in range(0, len(text), step):
            chunks.append(Chunk(start + index / 1000, kind, text[index : index + step]))
    return chunks


def _line(record: dict) -> str:
    return json.dumps(record, ensure_ascii=False, separators=(",", ":")) + "\n"


def measure(args: list[str], data_dir: Path) -> dict[str, float | int | str]:
    """Wall time, time to the first byte of output and peak RSS of `qwen-chat ARGS` in a
    process of its own (stdout read and thrown away, stderr's last line kept)."""
    env = os.environ | {"QWEN_TUI_DATA_DIR": str(data_dir), "COLUMNS": "120"}
    env["QWEN_TUI_CONFIG_DIR"] = str(data_dir / "config")
    command = [sys.executable, "-m", "qwen_tui", *args]
    with tempfile.TemporaryFile() as stderr:
        start = time.perf_counter()
        process = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=stderr)
        assert process.stdout is not None
        first = process.stdout.read(1)
        first_output = time.perf_counter() - start
        while process.stdout.read(1 << 16):
            pass
        _, status, usage = os.wait4(process.pid, 0)
        elapsed = time.perf_counter() - start
        stderr.seek(0)
        last = stderr.read().decode(errors="replace").strip().splitlines()[-1:]
    return {
        "wall_s": round(elapsed, 2),
        "first_output_s": round(first_output, 2) if first else None,
        "peak_rss_mb": round(usage.ru_maxrss / 1024, 1),
        "exit_status": os.waitstatus_to_exitcode(status),
        "stderr": last[0][:200] if last else "",
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--turns", type=int, default=50_000)
    parser.add_argument("--sessions", type=int, default=20, help="small sessions beside it")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as temp:
        data = Path(temp)
        sessions = data / "sessions"
        sessions.mkdir()
        for number in range(args.sessions):
            session_id = f"260101-{number:04d}-aaaa"
            write_session(sessions / f"{session_id}.jsonl", session_id, 3)
        small_list = measure(["sessions", "list"], data)
        long_id = "260102-0000-bbbb"
        long_path = sessions / f"{long_id}.jsonl"
        started = time.perf_counter()
        write_session(long_path, long_id, args.turns)
        written_s = time.perf_counter() - started
        time.sleep(2.5)  # as a session not being written right now (see summary_index.py)
        report = {
            "turns": args.turns,
            "session_mb": round(long_path.stat().st_size / 2**20, 1),
            "written_in_s": round(written_s, 1),
            "list_without_it": small_list,
            "list": measure(["sessions", "list"], data),
            "list_again": measure(["sessions", "list"], data),
            "show": measure(["sessions", "show", long_id], data),
            "run_resume": measure(
                ["run", "--engine", "demo", "--resume", long_id, "one more question"], data
            ),
        }
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
