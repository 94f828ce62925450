"""In a real terminal: the bytes `qwen-chat play` sends it hold the hostile session's text
only as visible marks, never as the escape sequences it was written with; and the chat UI
still runs with its stdout redirected (it draws on stderr)."""

from __future__ import annotations

from qwen_tui.chat.messages import Conversation
from qwen_tui.sessions import SessionStore
from tests.hostile_text import HOSTILE, MARKDOWN_TRICKS
from tests.pty_run import PtyRun
from tests.sessions.helpers import record

QUIT = b"\x11"  # Ctrl+Q
INJECTED = (
    b"\x1b]52;",
    b"\x1b]2;PWNED",
    b"\x1b]0;PWNED",
    b"\x1b]2;MODEL",
    b"\x1b]8;;https://evil.example",
    b"\x1b[2JSCREEN",
    b"\x1bP1$q",
    b"\xc2\x9b",  # C1 CSI and OSC, in UTF-8
    b"\xc2\x9d",
    "\u202e".encode(),
    "\u2067".encode(),
)
"""The sequences the session holds, as a terminal would receive them live."""


def injected_in(output: bytes) -> list[bytes]:
    return [sequence for sequence in INJECTED if sequence in output]


def test_play_sends_the_terminal_marks_instead_of_the_sequences():
    conversation = Conversation()
    conversation.add_user(HOSTILE)
    conversation.add_assistant(HOSTILE + MARKDOWN_TRICKS, HOSTILE)
    session_id = record(SessionStore(), conversation, model_name="m\x1b]2;MODEL\x07")
    run = PtyRun("play", session_id, "--speed", "1000", columns=400)
    try:
        shown = run.read_until(b"Decoded: <U+202E>x", timeout=60)
        run.read_until("m␛]2;MODEL␇".encode(), timeout=10)
    finally:
        run.send(QUIT)
        run.finish()
    assert injected_in(run.output) == []
    assert shown, run.output[-2000:]
    for mark in ("␛]52;c;aGFja2Vk␇", "CLEAR␛[2JSCREEN", "<U+202E>evil", "m␛]2;MODEL␇"):
        assert mark.encode() in run.output, mark


def test_the_chat_ui_runs_with_stdout_redirected():
    run = PtyRun("--engine", "demo", stdout_pipe=True)
    try:
        drawn = run.read_until(b"Ask anything", timeout=60)
    finally:
        run.send(QUIT)
        status = run.finish()
    assert drawn and status == 0
