"""The canned replies of the demo engine: Qwen3-style thinking, then a Markdown answer.

A question written in Chinese gets a Chinese reply (`demo_topics_zh.py`), any other an
English one (`demo_topics.py`). A reply is picked by the prompt's keywords, else from its
checksum and the seed, so the same conversation always gets the same reply. Nothing here
pretends to be the model: each answer says it is a demo.
"""

from __future__ import annotations

import re
import zlib

from qwen_tui.engine.scripted.demo_topics import ENGLISH, DemoLanguage, DemoTopic
from qwen_tui.engine.scripted.demo_topics_zh import CHINESE

_HAN = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
"""CJK ideographs (the unified blocks and the compatibility one)."""
# Roughly how a BPE tokenizer cuts text: a Chinese character, a word with its leading
# space, a run of punctuation, or a run of whitespace.
_TOKEN_PATTERN = re.compile(rf"[{_HAN}]| ?[^\W{_HAN}]+| ?[^\w\s]+|\s+")
_HAN_CHARACTER = re.compile(f"[{_HAN}]")
_SWITCHES = re.compile(r"/(no_)?think\b")


def gist(prompt: str, limit: int = 60) -> str:
    """The prompt without soft switches, on one line, cut to `limit` characters."""
    text = " ".join(_SWITCHES.sub("", prompt).split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def compose_reply(prompt: str, seed: int = 0) -> tuple[str, str]:
    """The (thinking, answer) the demo engine gives to `prompt`, in its language."""
    language = language_of(prompt)
    asked = gist(prompt) or "something"
    topic = pick_topic(asked, seed, language)
    opening = language.opening.format(asked=asked)
    thinking = f"{opening}\n\n{topic.musing}\n\n{language.closing}"
    return thinking, topic.answer + language.disclaimer


def language_of(prompt: str) -> DemoLanguage:
    """Chinese for a prompt with Chinese characters in it, English otherwise."""
    return CHINESE if _HAN_CHARACTER.search(prompt) else ENGLISH


def pick_topic(prompt: str, seed: int = 0, language: DemoLanguage = ENGLISH) -> DemoTopic:
    """The topic whose keywords the prompt mentions most; else one chosen by checksum."""
    words = prompt.lower()
    topics = language.topics
    hits = [sum(word in words for word in topic.keywords) for topic in topics]
    if max(hits) > 0:
        return topics[hits.index(max(hits))]
    return topics[(zlib.crc32(prompt.encode()) + seed) % len(topics)]


def split_tokens(text: str) -> list[str]:
    """`text` cut into token-like pieces that join back to exactly `text`."""
    return _TOKEN_PATTERN.findall(text)


def count_tokens(text: str) -> int:
    """How many token-like pieces `text` has."""
    return len(_TOKEN_PATTERN.findall(text))
