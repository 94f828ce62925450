"""`/file`'s rules without the UI: what can be attached, the block it becomes, and the
context check."""

from __future__ import annotations

import os

import pytest

from qwen_tui.chat.budget import MIN_REPLY_TOKENS
from qwen_tui.conversation.attachment import (
    Attachment,
    AttachmentRefused,
    attach_file,
    check_room,
    read_attachment,
    with_attachment,
)


def test_a_text_file_becomes_a_fenced_block_named_after_it(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "notes.md").write_bytes(b"\xef\xbb\xbfline one\r\nline two\r\n\r\n")
    attachment = read_attachment("notes.md", 1024)
    assert attachment == Attachment("notes.md", "line one\nline two")  # BOM, CRs, end gone
    assert attachment.block() == "```notes.md\nline one\nline two\n```"
    assert attachment.lines == 2


def test_the_fence_outgrows_any_fence_inside_the_file():
    inner = "Example:\n```python\nprint(1)\n```\n  ````\nmore\n"
    block = Attachment("README.md", inner).block()
    assert block.startswith("`````README.md\n") and block.endswith("\n`````")


def test_the_block_goes_after_what_is_typed():
    attachment = Attachment("a.txt", "x")
    assert (
        with_attachment("Summarise this:  \n", attachment) == "Summarise this:\n\n```a.txt\nx\n```"
    )
    assert with_attachment("  ", attachment) == "```a.txt\nx\n```"


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda d: None, "No file 'it' (relative paths start at"),
        (lambda d: (d / "it").mkdir(), "Cannot attach it: a directory, not a regular file"),
        (lambda d: os.mkfifo(d / "it"), "Cannot attach it: a named pipe (FIFO)"),
        (lambda d: (d / "it").write_bytes(b"PK\x03\x04\x00\x00"), "it is binary"),
        (lambda d: (d / "it").write_bytes(b"caf\xe9"), "it is binary, not UTF-8 text"),
        (lambda d: (d / "it").write_bytes(b"x" * 2000), "over the 1000 bytes it may have"),
        (lambda d: (d / "it").write_text("\n\n"), "Cannot attach it: it is empty."),
    ],
)
def test_what_cannot_be_attached_is_one_line_saying_why(tmp_path, monkeypatch, make, message):
    monkeypatch.chdir(tmp_path)
    make(tmp_path)
    with pytest.raises(AttachmentRefused) as refused:
        read_attachment("it", 1000)
    assert message in str(refused.value) and "\n" not in str(refused.value)


def test_no_path_is_the_usage():
    with pytest.raises(AttachmentRefused, match=r"^Usage: /file PATH \(a text file of at most"):
        read_attachment("  ", 1000)


def test_a_file_must_leave_the_reply_its_room():
    attachment = Attachment("big.log", "x")
    limit = 10_000
    check_room(attachment, before=100, after=limit - MIN_REPLY_TOKENS, limit=limit)
    with pytest.raises(AttachmentRefused) as refused:
        check_room(attachment, before=100, after=limit, limit=limit)
    left = limit - 100 - MIN_REPLY_TOKENS
    assert str(refused.value) == (
        f"Cannot attach big.log: it takes {limit - 100:,} tokens and the context has "
        f"{left:,} left for it ({MIN_REPLY_TOKENS:,} more are kept for the reply); "
        "attach a part of it, or start a new conversation."
    )


def test_attach_file_counts_the_message_with_and_without_the_file(tmp_path):
    path = tmp_path / "words.txt"
    path.write_text("one two three", encoding="utf-8")
    counted: list[str] = []

    def prompt_tokens(text: str) -> int:
        counted.append(text)
        return len(text.split())  # "Read:" is 1, with the block (fences too) 6

    text, attachment = attach_file(
        "Read:", str(path), max_bytes=1000, prompt_tokens=prompt_tokens, limit=MIN_REPLY_TOKENS + 6
    )
    assert text == f"Read:\n\n```{path}\none two three\n```" and attachment.name == str(path)
    assert counted == ["Read:", text]
    with pytest.raises(AttachmentRefused, match="it takes 5 tokens and the context has 4 left"):
        attach_file(
            "Read:",
            str(path),
            max_bytes=1000,
            prompt_tokens=prompt_tokens,
            limit=MIN_REPLY_TOKENS + 5,
        )
