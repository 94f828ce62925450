"""The same reply chopped differently must split the same way, in text and token mode.

Replies are built from the parts a Qwen3 reply has (leading newlines, `<think>`, thinking,
`</think>`, answer, each possibly missing) with bodies full of newlines, spaces, tag-like
characters, Chinese and emoji, then cut at random places (bytes, for token mode, so
characters split across chunks too).
"""

from __future__ import annotations

import random

from hypothesis import given, settings
from hypothesis import strategies as st

from tests.chat.splitting import chop, encode, split_text, split_tokens

body = st.text(alphabet="ab \n\n<>/中文🎉", max_size=30)


@st.composite
def replies(draw) -> str:
    parts = [
        draw(st.sampled_from(["", "\n", "\n\n", " ", "\n \n"])),
        draw(st.sampled_from(["", "<think>"])),
        draw(body),
        draw(st.sampled_from(["", "</think>"])),
        draw(body),
    ]
    return "".join(parts)


def model_card_parse(reply: str) -> tuple[str, str]:
    """The model card's parser for a reply whose think block closed: everything before the
    last `</think>` (tags removed) is thinking, the rest the answer, each `.strip("\\n")`."""
    head, _, tail = reply.rpartition("</think>")
    return head.replace("<think>", "").strip("\n"), tail.strip("\n")


@settings(max_examples=300, deadline=None)
@given(reply=replies(), seed=st.integers(0, 2**32 - 1))
def test_text_chunking_does_not_change_the_split(reply, seed):
    whole = split_text([reply])
    chopped = split_text(chop(reply, random.Random(seed)))
    assert (chopped.thinking, chopped.answer) == (whole.thinking, whole.answer)
    assert chopped.thinking_finished == whole.thinking_finished
    if not chopped.relabelled:
        assert chopped.streamed("thinking") == chopped.thinking
        assert chopped.streamed("answer") == chopped.answer
    assert all(d.text for d in chopped.deltas)


@settings(max_examples=300, deadline=None)
@given(reply=replies(), seed=st.integers(0, 2**32 - 1))
def test_token_chunking_matches_text_mode(reply, seed):
    ids = encode(reply)
    chopped = split_tokens(chop(ids, random.Random(seed)))
    by_text = split_text([reply])
    assert (chopped.thinking, chopped.answer) == (by_text.thinking, by_text.answer)
    assert chopped.thinking_finished == by_text.thinking_finished
    if not chopped.relabelled:
        assert chopped.streamed("thinking") == chopped.thinking
        assert chopped.streamed("answer") == chopped.answer
    assert all("\ufffd" not in d.text for d in chopped.deltas)


@settings(max_examples=300, deadline=None)
@given(reply=replies(), seed=st.integers(0, 2**32 - 1))
def test_prompt_opened_block_streams_exactly_what_it_ends_with(reply, seed):
    result = split_text(chop(reply, random.Random(seed)), starts_in_thinking=True)
    assert not result.relabelled
    assert result.streamed("thinking") == result.thinking
    assert result.streamed("answer") == result.answer


@settings(max_examples=300, deadline=None)
@given(reply=replies(), seed=st.integers(0, 2**32 - 1))
def test_closed_think_blocks_split_as_the_model_card_parses(reply, seed):
    if "</think>" not in reply:
        return
    result = split_text(chop(reply, random.Random(seed)))
    assert (result.thinking, result.answer) == model_card_parse(reply)
    assert result.thinking_finished
