"""The demo engine's replies in one language: topics (keywords, a musing, an answer) and
the words around them; the English ones are here."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class DemoTopic:
    """One canned reply: words that pick it, what the thinking muses about, the answer."""

    keywords: tuple[str, ...]
    musing: str
    answer: str


@dataclass(frozen=True)
class DemoLanguage:
    """The canned replies of one language and the thinking around them."""

    topics: tuple[DemoTopic, ...]
    opening: str
    """The thinking's first paragraph; `{asked}` is the prompt's gist."""
    closing: str
    """The thinking's last paragraphs."""
    disclaimer: str
    """Ends every answer: nothing here pretends to be the model."""


# The code samples every language's reply shows as they are.
FIBONACCI_CODE = (
    "```python\n"
    "from itertools import islice\n\n\n"
    "def fibonacci():\n"
    "    a, b = 0, 1\n"
    "    while True:\n"
    "        yield a\n"
    "        a, b = b, a + b\n\n\n"
    "print(list(islice(fibonacci(), 10)))\n"
    "```\n\n"
)
COUNT_WORDS_CODE = (
    "```python\n"
    "from pathlib import Path\n\n\n"
    "def count_words(path: Path) -> int:\n"
    '    with path.open(encoding="utf-8") as lines:\n'
    "        return sum(len(line.split()) for line in lines)\n"
    "```\n\n"
)

_TOPICS = (
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
            + FIBONACCI_CODE
            + "1. `islice` takes the first ten values without building the endless rest.\n"
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
            + COUNT_WORDS_CODE
            + "- `with` closes the file even when an error is raised.\n"
            '- Pass `errors="replace"` to `open` for files of unknown encoding.\n'
        ),
    ),
)

ENGLISH = DemoLanguage(
    topics=_TOPICS,
    opening='Okay, the user wrote: "{asked}". Let me think about what they actually need.',
    closing=(
        "Wait, I should double-check the edge cases: an empty input should work too, and "
        "the example must run as written.\n\n"
        "Alright, a short heading, the code, then two notes. That should cover it."
    ),
    disclaimer="\n*(Demo engine: a canned reply, no model is running.)*",
)
