"""The token splitter: tags by id, incremental detokenizing that never breaks a character."""

from __future__ import annotations

import pytest

from qwen_tui.chat.detokenizer import IncrementalDecoder
from qwen_tui.chat.parts import TextDelta
from qwen_tui.chat.token_splitter import TokenThinkingSplitter
from tests.chat.splitting import (
    THINK_END_ID,
    THINK_START_ID,
    decode,
    encode,
    split_text,
    split_tokens,
)

REPLIES = [
    "<think>\nLet me see.\n</think>\n\nIt is 4.",
    "Paris is the capital of France.",
    "<think>\n\n</think>\n\nHi there.",
    "<think>\nFirst, the integral of x is",
    "\n<think>\n\nLine one.\n\nLine two.\n\n</think>\n\n\nAnswer.\n\nMore.\n\n",
    "<think>\n  indented\n</think>\n\n  - item",
    "The user asks for 2+2.\n</think>\n\n4",
    "<think>\n\n\nx</think>y",
    "<think>\n用户问的是天气。\n</think>\n\n今天晴朗 ☀️，适合出门 🎉",
    "",
]


def splitter() -> TokenThinkingSplitter:
    return TokenThinkingSplitter(THINK_START_ID, THINK_END_ID, decode)


@pytest.mark.parametrize("reply", REPLIES)
def test_token_mode_agrees_with_text_mode(reply):
    by_text = split_text([reply])
    by_id = split_tokens([[i] for i in encode(reply)])
    assert (by_id.thinking, by_id.answer) == (by_text.thinking, by_text.answer)
    assert by_id.thinking_finished == by_text.thinking_finished
    assert by_id.relabelled == by_text.relabelled


def test_multibyte_characters_split_across_tokens_are_never_broken():
    reply = "<think>\n用户问天气 🌦️\n</think>\n\n晴天 😀"
    result = split_tokens([[i] for i in encode(reply)])
    assert (result.thinking, result.answer) == ("用户问天气 🌦️", "晴天 😀")
    assert all("\ufffd" not in d.text for d in result.deltas)
    assert result.streamed("thinking") == result.thinking
    assert result.streamed("answer") == result.answer


def test_an_incomplete_character_waits_for_its_last_byte():
    tokens = splitter()
    first, *rest = "中".encode()
    assert tokens.feed([first]) == []
    assert tokens.feed(rest) == [TextDelta("answer", "中")]


def test_an_emoji_split_one_byte_at_a_time():
    tokens = splitter()
    raw = "🎉".encode()
    assert [tokens.feed([b]) for b in raw[:-1]] == [[], [], []]
    assert tokens.feed([raw[-1]]) == [TextDelta("answer", "🎉")]


def test_bytes_that_never_complete_are_shown_at_the_end():
    tokens = splitter()
    tokens.feed(list(b"ok ") + ["中".encode()[0]])
    assert tokens.finish() == [TextDelta("answer", "\ufffd")]
    assert tokens.answer == "ok \ufffd"


def test_close_id_flushes_the_thinking_before_the_answer_starts():
    tokens = splitter()
    deltas = tokens.feed([THINK_START_ID, *b"hm", THINK_END_ID, *b"ok"])
    assert deltas == [TextDelta("thinking", "hm"), TextDelta("answer", "ok")]
    assert tokens.thinking_finished


def test_stray_tag_ids_after_the_block_are_dropped():
    result = split_tokens([[THINK_START_ID, *b"a", THINK_END_ID, *b"b", THINK_END_ID, *b"c"]])
    assert (result.thinking, result.answer) == ("a", "bc")


def test_cut_off_inside_thinking_in_token_mode():
    result = split_tokens([[THINK_START_ID, *"还在想".encode()[:-1]]])
    assert result.thinking == "还在\ufffd"
    assert not result.thinking_finished


def test_decoding_a_long_reply_does_linear_work():
    decoded_ids = 0

    def counting_decode(ids):
        nonlocal decoded_ids
        decoded_ids += len(ids)
        return decode(ids)

    decoder = IncrementalDecoder(counting_decode)
    text = "".join(decoder.push([b]) for b in ("长文本 long text " * 400).encode())
    assert text == "长文本 long text " * 400
    assert decoded_ids < 10 * len(text.encode())
