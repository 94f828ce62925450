"""A qwen-chat process killed with SIGKILL mid-reply leaves a session that loads."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

from qwen_tui.chat.messages import Message, Role

WRITER = Path(__file__).with_name("crash_writer.py")
ROOT = Path(__file__).parents[2]


def test_sigkill_mid_reply_keeps_every_completed_turn(store):
    env = os.environ | {"PYTHONPATH": str(ROOT)}
    child = subprocess.Popen(
        [sys.executable, str(WRITER)], stdout=subprocess.PIPE, text=True, env=env
    )
    try:
        session_id = child.stdout.readline().strip()
        lines = [child.stdout.readline().strip() for _ in range(4)]
        assert lines == ["turn done"] * 3 + ["streaming"]
    finally:
        child.send_signal(signal.SIGKILL)
        child.wait(10)
    assert child.returncode == -signal.SIGKILL

    session = store.load(session_id)
    messages = session.conversation.messages
    assert [m.content for m in messages if m.role is Role.ASSISTANT] == [
        "answer 1",
        "answer 2",
        "answer 3",
    ]
    assert messages[1].thinking == "thinking 1"
    assert messages[-1].content == "question 4"  # the reply it was writing is lost, no more

    # The killed process's lock died with it: the session can be continued at once.
    with store.open_for_append(session_id) as recorder:
        recorder.record_assistant(Message(Role.ASSISTANT, "answer 4"))
    assert store.load(session_id).conversation.last_assistant.content == "answer 4"
