"""Running `qwen-chat` in a real pseudo-terminal, keeping every byte the terminal gets."""

from __future__ import annotations

import fcntl
import os
import pty
import select
import shutil
import struct
import subprocess
import termios
import time


class PtyRun:
    """`qwen-chat ARGS` with stdin, stderr and (unless `stdout_pipe`) stdout on one pty of
    `columns` x `rows`; `output` holds what the terminal received so far."""

    def __init__(self, *args: str, stdout_pipe: bool = False, columns: int = 200, rows: int = 50):
        script = shutil.which("qwen-chat")
        assert script, "the qwen-chat console script is not installed (pip install -e .)"
        self.leader, follower = pty.openpty()
        fcntl.ioctl(follower, termios.TIOCSWINSZ, struct.pack("HHHH", rows, columns, 0, 0))
        env = {**os.environ, "TERM": "xterm-256color", "COLUMNS": str(columns)}
        self.process = subprocess.Popen(
            [script, *args],
            stdin=follower,
            stdout=subprocess.PIPE if stdout_pipe else follower,
            stderr=follower,
            env=env,
        )
        os.close(follower)
        self.output = b""

    def read_until(self, wanted: bytes, timeout: float) -> bool:
        """Collect output until it holds `wanted` (True), the program ends or `timeout`
        seconds pass (False)."""
        deadline = time.monotonic() + timeout
        while wanted not in self.output:
            left = deadline - time.monotonic()
            if left <= 0:
                return False
            if not self._read(min(left, 0.2)) and self.process.poll() is not None:
                return wanted in self.output
        return True

    def _read(self, timeout: float) -> bool:
        ready, _, _ = select.select([self.leader], [], [], timeout)
        if not ready:
            return False
        try:
            data = os.read(self.leader, 65536)
        except OSError:  # EIO: the program closed the terminal
            return False
        self.output += data
        return bool(data)

    def send(self, keys: bytes) -> None:
        os.write(self.leader, keys)

    def finish(self, timeout: float = 30) -> int:
        """Wait for the program to end, reading what it still writes; its exit status (it
        is killed, and the status is negative, if it does not end in time)."""
        deadline = time.monotonic() + timeout
        while self.process.poll() is None and time.monotonic() < deadline:
            self._read(0.1)
        if self.process.poll() is None:
            self.process.kill()
        status = self.process.wait()
        while self._read(0):
            pass
        os.close(self.leader)
        return status
