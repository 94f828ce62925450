"""Run as a script by test_crash.py: records three turns, then streams a fourth forever.

Prints the session id, then "turn done" after each completed turn, then "streaming".
"""

from __future__ import annotations

import sys
import time

from qwen_tui.chat.messages import Message, Role
from qwen_tui.config import Settings
from qwen_tui.sessions import SessionStore


def main() -> None:
    recorder = SessionStore().create(Settings(), engine_name="demo", model_name="m")
    print(recorder.session_id, flush=True)
    for turn in range(1, 4):
        recorder.record_user(Message(Role.USER, f"question {turn}"))
        recorder.record_assistant(
            Message(Role.ASSISTANT, f"answer {turn}", thinking=f"thinking {turn}")
        )
        print("turn done", flush=True)
    recorder.record_user(Message(Role.USER, "question 4"))
    print("streaming", flush=True)
    while True:  # a reply streaming: nothing reaches the file until it ends
        time.sleep(0.001)


if __name__ == "__main__":
    sys.exit(main())
