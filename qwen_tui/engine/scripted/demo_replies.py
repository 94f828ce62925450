"""The canned replies of the demo engine: Qwen3-style thinking, then a Markdown answer.

A reply is picked from the prompt's checksum and the seed, so the same conversation always
gets the same reply. Nothing here pretends to be the model: each answer says it is a demo.
"""

from __future__ import annotations

import re
import zlib
from dataclasses import dataclass

# Roughly how a BPE tokenizer cuts text: a word with its leading space, a run of
# punctuation, or a run of whitespace.
_TOKEN_PATTERN = re.compile(r" ?\w+| ?[^\w\s]+|\s+")
_SWITCHES = re.compile(r"/(no_)?think\b")


@dataclass(frozen=True)
class DemoTopic:
    """One canned reply: words that pick it, what the thinking muses about, the answer."""

    keywords: tuple[str, ...]
    musing: str
    answer: str


TOPICS = (
    DemoTopic(
        keywords=("reverse", "string"),
        musing=(
            "A small, self-contained example would show it best. Python is a safe choice "
            "unless they asked for another language. I should keep the function pure and "
            "name things clearly, then explain the one subtle part: slicing with a negative "
            "step walks the string backwards."
        ),
        answer=(
            "## Reversing a string\n\n"
            "In Python a slice with a step of `-1` walks the string from the end:\n\n"
            "```python\n"
            "def reverse(text: str) -> str:\n"
            '    """Return `text` backwards."""\n'
            "    return text[::-1]\n\n\n"
            'print(reverse("qwen"))  # newq\n'
            "```\n\n"
            "- It works for any Unicode string, one code point at a time.\n"
            "- It makes a new string; Python strings never change in place.\n"
        ),
    ),
    DemoTopic(
        keywords=("fibonacci", "generator", "sequence", "lazy"),
        musing=(
            "The classic way to explain this is the Fibonacci sequence. A generator keeps "
            "memory constant, which is better than the naive recursion that recomputes the "
            "same values exponentially often. I'll show the generator and mention itertools."
        ),
        answer=(
            "## A lazy Fibonacci sequence\n\n"
            "A generator yields one number at a time and keeps only the last two:\n\n"
            "```python\n"
            "from itertools import islice\n\n\n"
            "def fibonacci():\n"
            "    a, b = 0, 1\n"
            "    while True:\n"
            "        yield a\n"
            "        a, b = b, a + b\n\n\n"
            "print(list(islice(fibonacci(), 10)))\n"
            "```\n\n"
            "1. `islice` takes the first ten values without building the endless rest.\n"
            "2. Each step costs constant time and memory.\n"
        ),
    ),
    DemoTopic(
        keywords=("file", "read", "word", "count"),
        musing=(
            "Reading a file line by line is the memory-friendly approach. A `with` block "
            "closes the file even on errors, and an explicit encoding avoids surprises on "
            "other platforms. Counting words per line makes the example concrete."
        ),
        answer=(
            "## Counting words in a file\n\n"
            "Read the file lazily, one line at a time, so even huge files fit in memory:\n\n"
            "```python\n"
            "from pathlib import Path\n\n\n"
            "def count_words(path: Path) -> int:\n"
            '    with path.open(encoding="utf-8") as lines:\n'
            "        return sum(len(line.split()) for line in lines)\n"
            "```\n\n"
            "- `with` closes the file even when an error is raised.\n"
            '- Pass `errors="replace"` to `open` for files of unknown encoding.\n'
        ),
    ),
)

_DISCLAIMER = "\n*(Demo engine: a canned reply, no model is running.)*"


def gist(prompt: str, limit: int = 60) -> str:
    """The prompt without soft switches, on one line, cut to `limit` characters."""
    text = " ".join(_SWITCHES.sub("", prompt).split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def compose_reply(prompt: str, seed: int = 0) -> tuple[str, str]:
    """The (thinking, answer) the demo engine gives to `prompt`."""
    asked = gist(prompt) or "something"
    topic = pick_topic(asked, seed)
    thinking = (
        f'Okay, the user wrote: "{asked}". Let me think about what they actually need.\n\n'
        f"{topic.musing}\n\n"
        "Wait, I should double-check the edge cases: an empty input should work too, and "
        "the example must run as written.\n\n"
        "Alright, a short heading, the code, then two notes. That should cover it."
    )
    return thinking, topic.answer + _DISCLAIMER


def pick_topic(prompt: str, seed: int = 0) -> DemoTopic:
    """The topic whose keywords the prompt mentions most; else one chosen by checksum."""
    words = prompt.lower()
    hits = [sum(word in words for word in topic.keywords) for topic in TOPICS]
    if max(hits) > 0:
        return TOPICS[hits.index(max(hits))]
    return TOPICS[(zlib.crc32(prompt.encode()) + seed) % len(TOPICS)]


def split_tokens(text: str) -> list[str]:
    """`text` cut into token-like pieces that join back to exactly `text`."""
    return _TOKEN_PATTERN.findall(text)


def count_tokens(text: str) -> int:
    """How many token-like pieces `text` has."""
    return len(_TOKEN_PATTERN.findall(text))
