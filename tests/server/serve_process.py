"""`qwen-chat serve` as a real process on loopback, for tests that drive it as clients do."""

from __future__ import annotations

import os
import queue
import re
import shutil
import signal
import subprocess
import threading
from pathlib import Path

import openai

from qwen_tui.chat.model_card import DEFAULT_MODEL

_URL = re.compile(r"^Serving .* at (http://\S+/v1) ")
START_TIMEOUT_S = 180.0


class ServeProcess:
    """`qwen-chat serve --port 0 ARGS` with its own config and data directories; `url` is
    the API's address once the model is ready (the line serve prints then)."""

    def __init__(self, root: Path, *args: str, demo_speed: str = "inf") -> None:
        script = shutil.which("qwen-chat")
        assert script, "the qwen-chat console script is not installed (pip install -e .)"
        self.data_dir = root / "data"
        env = os.environ | {
            "QWEN_TUI_CONFIG_DIR": str(root / "config"),
            "QWEN_TUI_DATA_DIR": str(self.data_dir),
            "QWEN_TUI_DEMO_SPEED": demo_speed,
            "HF_HUB_OFFLINE": "1",
            "COLUMNS": "200",
        }
        self.stderr_path = root / "serve.stderr"
        self._stderr = self.stderr_path.open("w")
        self.process = subprocess.Popen(
            [script, "serve", "--port", "0", *args],
            stdout=subprocess.PIPE,
            stderr=self._stderr,
            text=True,
            env=env,
        )
        self.lines: queue.Queue[str | None] = queue.Queue()
        threading.Thread(target=self._read_stdout, daemon=True).start()
        self.url = self._wait_for_url()
        self.model = DEFAULT_MODEL

    def client(self, api_key: str = "EMPTY", **options: object) -> openai.OpenAI:
        return openai.OpenAI(
            base_url=self.url, api_key=api_key, max_retries=0, timeout=60, **options
        )

    @property
    def address(self) -> tuple[str, int]:
        host, port = self.url.removeprefix("http://").removesuffix("/v1").rsplit(":", 1)
        return host, int(port)

    def stop(self) -> int:
        """Ctrl+C, as a user stops it; the exit status."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)
            try:
                self.process.wait(20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self._stderr.close()
        return self.process.returncode

    def stderr(self) -> str:
        if not self._stderr.closed:
            self._stderr.flush()
        return self.stderr_path.read_text()

    def _read_stdout(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            self.lines.put(line)
        self.lines.put(None)

    def _wait_for_url(self) -> str:
        while True:
            try:
                line = self.lines.get(timeout=START_TIMEOUT_S)
            except queue.Empty:
                self.stop()
                raise AssertionError(f"serve printed no URL in time: {self.stderr()}") from None
            if line is None:
                self.stop()
                raise AssertionError(f"serve exited before it was ready: {self.stderr()}")
            found = _URL.match(line)
            if found:
                return found.group(1)
