"""`/file PATH`: a text file's content put into the message being typed, as a fenced block
named after the file, for the user to write around before sending.

A file can be attached when it is a regular file (see `regular_files`: no FIFO, device
or directory) of at most `max_bytes` (config `max_attachment_bytes`, 256 KiB by default),
holds UTF-8 text without NUL bytes, and leaves the reply `MIN_REPLY_TOKENS` of the
context. Each refusal is an `AttachmentRefused` whose message is one line saying what to
do. The text is kept as it is; whoever shows it shows its control characters as marks.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from qwen_tui.chat.budget import MIN_REPLY_TOKENS
from qwen_tui.regular_files import UnreadableFile, read_regular_file, size_text

_BACKTICK_FENCE = re.compile(r"^ {0,3}(`{3,})", re.MULTILINE)


class AttachmentRefused(Exception):
    """The file cannot be attached; the message says why and what to do, in one line."""


@dataclass(frozen=True)
class Attachment:
    """A text file read for attaching: its name as the user gave it, and its text."""

    name: str
    text: str

    @property
    def lines(self) -> int:
        return self.text.count("\n") + 1

    def block(self) -> str:
        """The file as a fenced block whose info string is its name. The fence is longer
        than any backtick fence inside the file, so the file cannot end the block early."""
        inner = max((len(m.group(1)) for m in _BACKTICK_FENCE.finditer(self.text)), default=0)
        fence = "`" * max(3, inner + 1)
        return f"{fence}{self.name}\n{self.text}\n{fence}"


def read_attachment(typed_path: str, max_bytes: int) -> Attachment:
    """The text file at `typed_path` (`~` expanded, relative to the working directory)."""
    name = typed_path.strip()
    if not name:
        limit = size_text(max_bytes)
        raise AttachmentRefused(f"Usage: /file PATH (a text file of at most {limit})")
    path = Path(name).expanduser()
    try:
        data = read_regular_file(path, max_bytes=max_bytes)
    except (FileNotFoundError, NotADirectoryError):
        raise AttachmentRefused(
            f"No file {name!r} (relative paths start at {Path.cwd()}): check the path."
        ) from None
    except UnreadableFile as exc:
        raise AttachmentRefused(
            f"Cannot attach {exc}: /file takes a text file of at most {size_text(max_bytes)} "
            "(max_attachment_bytes in config.toml)."
        ) from None
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        text = "\0"  # not UTF-8: refused below, like a NUL byte
    if "\0" in text:
        raise AttachmentRefused(
            f"Cannot attach {name}: it is binary, not UTF-8 text; /file takes text files only."
        )
    text = text.removeprefix("\ufeff").replace("\r\n", "\n").rstrip("\n")
    if not text.strip():
        raise AttachmentRefused(f"Cannot attach {name}: it is empty.")
    return Attachment(name, text)


def with_attachment(message: str, attachment: Attachment) -> str:
    """`message` with `attachment`'s block after it, a blank line between."""
    return f"{message.rstrip()}\n\n{attachment.block()}" if message.strip() else attachment.block()


def check_room(attachment: Attachment, before: int, after: int, limit: int) -> None:
    """Refuse `attachment` when the next turn's prompt, `after` tokens with it (`before`
    without), leaves the reply less than `MIN_REPLY_TOKENS` of the `limit`."""
    if after + MIN_REPLY_TOKENS <= limit:
        return
    left = max(0, limit - before - MIN_REPLY_TOKENS)
    raise AttachmentRefused(
        f"Cannot attach {attachment.name}: it takes {after - before:,} tokens and the context "
        f"has {left:,} left for it ({MIN_REPLY_TOKENS:,} more are kept for the reply); "
        "attach a part of it, or start a new conversation."
    )


def attach_file(
    message: str,
    typed_path: str,
    *,
    max_bytes: int,
    prompt_tokens: Callable[[str], int] | None,
    limit: int,
) -> tuple[str, Attachment]:
    """`message` with the file at `typed_path` attached, and the attachment. The context
    is checked when `prompt_tokens` (the next turn's prompt tokens with a given message)
    can count; otherwise sending does it."""
    attachment = read_attachment(typed_path, max_bytes)
    attached = with_attachment(message, attachment)
    if prompt_tokens is not None:
        check_room(attachment, prompt_tokens(message), prompt_tokens(attached), limit)
    return attached, attachment
