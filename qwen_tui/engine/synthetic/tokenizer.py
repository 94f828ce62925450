"""A small byte-level BPE tokenizer with Qwen's special tokens, for synthetic checkpoints.

It is trained on a few English sentences, so every text still encodes (byte level) and
characters outside the corpus (Chinese, emoji) split into several byte tokens, as they
sometimes do in the real vocabulary.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from tokenizers import AddedToken, Regex, Tokenizer, decoders, models, pre_tokenizers, trainers

from qwen_tui.engine.synthetic.qwen3_template import QWEN3_CHAT_TEMPLATE

SPECIAL_TOKENS = ("<|endoftext|>", "<|im_start|>", "<|im_end|>", "<think>", "</think>")
# The split pattern of GPT-style byte-level tokenizers: contractions, words, digits, symbols.
_SPLIT = (
    r"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*"
    r"|\s*[\r\n]+|\s+(?!\S)|\s+"
)
_CORPUS = (
    "The quick brown fox jumps over the lazy dog. Please reason step by step, and put your "
    "final answer within \\boxed{}. Hello, how are you today? I am thinking about the answer. "
    "The capital of France is Paris.\n\ndef main(): return 42  # a tiny program\n\n"
    "Okay, let me think. First, the user asks a question; then I answer it clearly.\n"
)


def build_tokenizer(vocab_size: int = 400) -> Tokenizer:
    """Train the tokenizer; the special tokens come last, after the learned vocabulary."""
    tokenizer = Tokenizer(models.BPE())
    tokenizer.pre_tokenizer = pre_tokenizers.Sequence(
        [
            pre_tokenizers.Split(Regex(_SPLIT), behavior="isolated"),
            pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=False),
        ]
    )
    tokenizer.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(
        vocab_size=vocab_size - len(SPECIAL_TOKENS),
        initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
        show_progress=False,
    )
    tokenizer.train_from_iterator([_CORPUS] * 8, trainer)
    tokenizer.add_special_tokens(
        [AddedToken(t, special=True, normalized=False) for t in SPECIAL_TOKENS]
    )
    return tokenizer


def write_tokenizer_files(
    directory: Path, *, chat_template: str | None = QWEN3_CHAT_TEMPLATE, template_file: bool = False
) -> Tokenizer:
    """tokenizer.json, tokenizer_config.json (with the chat template, or beside it in
    chat_template.jinja when `template_file`) and generation_config.json with the eos ids."""
    tokenizer = build_tokenizer()
    tokenizer.save(str(directory / "tokenizer.json"))
    config = {
        "tokenizer_class": "Qwen2Tokenizer",
        "eos_token": "<|im_end|>",
        "pad_token": "<|endoftext|>",
        "model_max_length": 131072,
    }
    if chat_template is not None and template_file:
        (directory / "chat_template.jinja").write_text(chat_template, encoding="utf-8")
    elif chat_template is not None:
        config["chat_template"] = chat_template
    _write_json(directory / "tokenizer_config.json", config)
    eos = [tokenizer.token_to_id("<|im_end|>"), tokenizer.token_to_id("<|endoftext|>")]
    _write_json(
        directory / "generation_config.json",
        {
            "bos_token_id": tokenizer.token_to_id("<|endoftext|>"),
            "eos_token_id": eos,
            "pad_token_id": tokenizer.token_to_id("<|endoftext|>"),
            "do_sample": True,
            "temperature": 0.6,
            "top_p": 0.95,
            "top_k": 20,
        },
    )
    return tokenizer


def _write_json(path: Path, data: dict[str, Any]) -> None:
    path.write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
