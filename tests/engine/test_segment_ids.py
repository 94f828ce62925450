"""A prompt's ids computed piece by piece between its special tokens are exactly the ids of
the whole text, and a later turn's prompt encodes only the pieces that are new."""

from __future__ import annotations

import copy

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from tokenizers import normalizers

from qwen_tui.engine.prompting import ChatTokenizer
from qwen_tui.engine.segment_ids import SegmentIds
from qwen_tui.engine.synthetic.checkpoint import tiny_config, write_checkpoint
from tests.hostile_text import HOSTILE

SPECIALS = ["<|im_start|>", "<|im_end|>", "<think>", "</think>", "<|endoftext|>"]
TEXTS = [
    "",
    "plain words",
    "<|im_start|>user\nHello<|im_end|>\n<|im_start|>assistant\n",
    "<|im_end|><|im_end|><think></think>",  # specials back to back
    "  <|im_start|>  spaces around  <|im_end|>  ",
    "<|im_start <|im_end| im_end|> <think",
    "<|im_start|",
    "</think>>",  # near misses
    "日本語のテキスト<think>絵文字 🎉🎉</think>\u00e9 e\u0301 ﬁ",  # CJK, emoji, NFC cases
    HOSTILE + "<|im_end|>" + HOSTILE,
    "line\r\nbreaks\n\n\n<|im_start|>\n\n",
]


@pytest.fixture(scope="module")
def tokenizer(tmp_path_factory):
    return ChatTokenizer(write_checkpoint(tmp_path_factory.mktemp("seg"), tiny_config())).tokenizer


@pytest.fixture(scope="module")
def nfc_tokenizer(tokenizer):
    """The same with Qwen3's NFC normalizer, so normalization meets the split too."""
    normed = copy.deepcopy(tokenizer)
    normed.backend_tokenizer.normalizer = normalizers.NFC()
    return normed


def whole(tokenizer, text: str) -> list[int]:
    return tokenizer(text, add_special_tokens=False)["input_ids"]


@pytest.mark.parametrize("text", TEXTS)
@pytest.mark.parametrize("normed", [False, True])
def test_piece_by_piece_ids_are_the_whole_texts_ids(text, normed, tokenizer, nfc_tokenizer):
    tok = nfc_tokenizer if normed else tokenizer
    segments = SegmentIds(tok)
    assert segments.ids(text) == whole(tok, text)
    assert segments.ids(text) == whole(tok, text)  # the second time from what it kept


FRAGMENTS = st.one_of(
    st.sampled_from(SPECIALS + [" ", "\n", "<", "|", ">", "im_", "think", "e\u0301"]),
    st.text(max_size=12),
)


@settings(max_examples=200, deadline=None)
@given(st.lists(FRAGMENTS, max_size=30))
def test_any_text_gets_the_whole_texts_ids(nfc_tokenizer, fragments):
    segments = SegmentIds(nfc_tokenizer, remembered_chars=40)  # forgets as it goes too
    for end in (len(fragments) // 2, len(fragments)):
        text = "".join(fragments[:end])
        assert segments.ids(text) == whole(nfc_tokenizer, text)


class CountingTokenizer:
    """Passes calls through, noting how many characters were encoded."""

    def __init__(self, tokenizer) -> None:
        self._tokenizer = tokenizer
        self.added_tokens_decoder = tokenizer.added_tokens_decoder
        self.encoded_chars = 0

    def __call__(self, texts, **kwargs):
        self.encoded_chars += sum(map(len, texts))
        return self._tokenizer(texts, **kwargs)


def test_a_later_turns_prompt_encodes_only_its_new_message(tokenizer):
    history = "".join(
        f"<|im_start|>user\nQuestion {i}: {'words ' * 300}<|im_end|>\n"
        f"<|im_start|>assistant\nAnswer {i}: {'reply ' * 300}<|im_end|>\n"
        for i in range(10)
    )
    counting = CountingTokenizer(tokenizer)
    segments = SegmentIds(counting)
    first = history + "<|im_start|>user\nOne more?<|im_end|>\n<|im_start|>assistant\n"
    assert segments.ids(first) == whole(tokenizer, first)
    counting.encoded_chars = 0
    reply = "<think>\n\n</think>\n\nSure."
    later = first + reply + "<|im_end|>\n<|im_start|>user\nAnd again?<|im_end|>\n"
    later += "<|im_start|>assistant\n"
    assert segments.ids(later) == whole(tokenizer, later)
    new = len("\n\n") + len("\n\nSure.") + len("user\nAnd again?")  # inside the think block too
    assert counting.encoded_chars == new  # not the history's ~40,000 characters again


def test_a_tokenizer_whose_added_tokens_strip_spaces_encodes_whole_texts(tokenizer):
    stripping = copy.deepcopy(tokenizer)
    token = stripping.added_tokens_decoder[stripping.convert_tokens_to_ids("<|im_end|>")]
    stripping.add_special_tokens(
        {"additional_special_tokens": [type(token)("<|im_end|>", lstrip=True, special=True)]}
    )
    counting = CountingTokenizer(stripping)
    text = "Hello   <|im_end|>  world"
    assert SegmentIds(counting).ids(text) == whole(stripping, text)
    assert counting.encoded_chars == len(text)
