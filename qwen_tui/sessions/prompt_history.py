"""The prompts the user sent, across conversations and runs, for Up and Down in the input.

Kept like a shell's history: one JSON line per prompt, appended as it is sent, in
`prompt_history.jsonl` beside the sessions. The file is a convenience, never the record
of a conversation (the session files are): a damaged line is skipped, an unreadable or
unwritable file leaves the history to this run, and nothing here ever raises.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable, Sequence
from pathlib import Path

from qwen_tui.locations import data_dir
from qwen_tui.regular_files import MIB, UnreadableFile, read_regular_file
from qwen_tui.sessions.export_target import write_export

KEPT_PROMPTS = 1000
"""Prompts Up reaches back through; older ones are dropped when the file is compacted."""
_MAX_FILE_BYTES = 32 * MIB  # 2,000 prompts of the longest kept, as CJK UTF-8, fit
_MAX_PROMPT_CHARS = 4_000  # a pasted document is not worth recalling


def history_file() -> Path:
    return data_dir() / "prompt_history.jsonl"


class PromptHistory:
    """The saved prompts, oldest first, and the file they are appended to."""

    def __init__(self, path: Path | None = None) -> None:
        self.path = path or history_file()
        self.prompts: list[str] = _read(self.path)

    def add(self, prompt: str) -> None:
        """Keep `prompt` (not a repeat of the last one), in memory and in the file."""
        if not prompt.strip() or len(prompt) > _MAX_PROMPT_CHARS:
            return
        if self.prompts and self.prompts[-1] == prompt:
            return
        self.prompts.append(prompt)
        if len(self.prompts) > 2 * KEPT_PROMPTS:
            del self.prompts[:-KEPT_PROMPTS]
            _write_all(self.path, self.prompts)
            return
        _append(self.path, prompt)

    def recalled_with(self, conversation_prompts: Sequence[str]) -> list[str]:
        """What Up recalls in a conversation, oldest first: the saved prompts of other
        conversations, then this conversation's own, newest last, no repeats in a row."""
        own = set(conversation_prompts)
        earlier = [p for p in self.prompts[-KEPT_PROMPTS:] if p not in own]
        return _without_repeats([*earlier, *conversation_prompts])


def _read(path: Path) -> list[str]:
    try:
        data = read_regular_file(path, max_bytes=_MAX_FILE_BYTES)
    except (OSError, UnreadableFile):  # none yet, unreadable, not a regular file, too big
        return []
    prompts = []
    for line in data.decode("utf-8", errors="replace").splitlines():
        try:
            record = json.loads(line)
        except (ValueError, RecursionError):
            continue  # a torn or damaged line
        if isinstance(record, dict) and isinstance(record.get("prompt"), str):
            prompts.append(record["prompt"])
    return prompts[-KEPT_PROMPTS:]


def _line(prompt: str) -> str:
    return json.dumps({"prompt": prompt}, ensure_ascii=False) + "\n"


def _append(path: Path, prompt: str) -> None:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        # One write with O_APPEND: two chats appending at once interleave whole lines.
        fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT | os.O_NOFOLLOW, 0o600)
        try:
            os.write(fd, _line(prompt).encode("utf-8"))
        finally:
            os.close(fd)
    except OSError:
        pass  # a read-only data dir or a full disk: the history stays this run's


def _write_all(path: Path, prompts: Iterable[str]) -> None:
    try:
        write_export(path, "".join(_line(p) for p in prompts))
    except OSError:
        pass  # the appended file stays as it was, only longer


def _without_repeats(prompts: list[str]) -> list[str]:
    return [p for i, p in enumerate(prompts) if i == 0 or prompts[i - 1] != p]
