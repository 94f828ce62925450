"""The model's tokenizer and chat template: render prompts, count them, decode replies.

The template always comes from the model directory (`tokenizer_config.json` or
`chat_template.jinja`), never from this code, and renders in a sandbox with limits
(`chat_template.py`); the `<think>` ids and the stop ids are read from the tokenizer and
generation_config.json, never hard-coded. One lock guards the tokenizer, so the UI thread
can count tokens while the engine thread decodes.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

from qwen_tui.engine.base import EngineFailure, RenderedPrompt
from qwen_tui.engine.chat_template import ChatTemplate
from qwen_tui.engine.events import ErrorKind
from qwen_tui.engine.model_files import check_readable
from qwen_tui.engine.model_json import read_model_json
from qwen_tui.engine.segment_ids import SegmentIds

TOKENIZER_FILES = (
    "tokenizer.json",
    "tokenizer_config.json",
    "chat_template.jinja",
    "vocab.json",
    "merges.txt",
)
"""The files a Qwen3 tokenizer may load from: tokenizer.json, or vocab.json with merges.txt."""


class ChatTokenizer:
    """The tokenizer of the model in `model_dir`, checked for what a chat needs."""

    def __init__(self, model_dir: Path) -> None:
        _check_tokenizer_files(model_dir)
        try:
            self.tokenizer = _tokenizer_class(model_dir).from_pretrained(str(model_dir))
        except (OSError, ValueError, TypeError) as exc:
            raise EngineFailure(
                f"could not load the tokenizer from {model_dir} ({_first_line(exc)})",
                ErrorKind.MODEL_MISSING,
            ) from exc
        if not self.tokenizer.chat_template:
            raise EngineFailure(
                f"the tokenizer in {model_dir} has no chat template (chat_template in "
                "tokenizer_config.json or chat_template.jinja); use the model's original files",
                ErrorKind.BAD_REQUEST,
            )
        self.think_start_id = self._special_id("<think>", model_dir)
        self.think_end_id = self._special_id("</think>", model_dir)
        self.template = ChatTemplate(
            self.tokenizer.get_chat_template(),
            str(_template_file(model_dir)),
            special_tokens=self.tokenizer.special_tokens_map,
        )
        self._lock = threading.Lock()
        self._prompt_ids = SegmentIds(self.tokenizer)  # a turn's history encoded once
        for enable_thinking in (True, False):  # a template that always fails does so now
            self.render(_PROBE, enable_thinking)  # and the first reply's pays no first call

    def render(
        self,
        messages: Iterable[Mapping[str, Any]],
        enable_thinking: bool,
        tools: Sequence[Mapping[str, Any]] | None = None,
    ) -> RenderedPrompt:
        """The prompt for the next assistant turn, as text and ids, with `tools` offered to
        the model and `tool` messages as the template wraps them. Raises EngineFailure
        (one line) when the chat template fails."""
        text = self.template.render(
            list(messages),
            add_generation_prompt=True,
            tools=tools,
            enable_thinking=enable_thinking,
        )
        with self._lock:
            ids = self._prompt_ids.ids(text)
        return RenderedPrompt(text, tuple(ids))

    def encode(self, text: str) -> list[int]:
        """Ids of `text` as the model reads it (the think tags as their single ids)."""
        with self._lock:
            return list(self.tokenizer(text, add_special_tokens=False)["input_ids"])

    def decode(self, ids: list[int]) -> str:
        """Text of `ids`, special tokens left out (the splitter handles the think tags)."""
        with self._lock:
            text = self.tokenizer.decode(ids, skip_special_tokens=True)
        assert isinstance(text, str)  # one sequence decodes to one string
        return text

    def _special_id(self, token: str, model_dir: Path) -> int:
        token_id = self.tokenizer.convert_tokens_to_ids(token)
        if not isinstance(token_id, int) or token_id == self.tokenizer.unk_token_id:
            raise EngineFailure(
                f"the tokenizer in {model_dir} has no {token} token; is this a Qwen3 model?",
                ErrorKind.BAD_REQUEST,
            )
        return token_id


def stop_ids(
    model_dir: Path, config: Mapping[str, Any], tokenizer: ChatTokenizer
) -> frozenset[int]:
    """The ids that end a reply: generation_config.json's eos ids, else config.json's plus
    `<|im_end|>`."""
    try:
        generation = read_model_json(model_dir / "generation_config.json", "generation config")
    except FileNotFoundError:
        generation = {}
    found = generation.get("eos_token_id")
    if found is None:
        found = config.get("eos_token_id")
        end_of_turn = tokenizer.tokenizer.convert_tokens_to_ids("<|im_end|>")
        extra = [end_of_turn] if isinstance(end_of_turn, int) else []
        found = ([found] if isinstance(found, int) else list(found or [])) + extra
    found = [found] if isinstance(found, int) else found
    if not isinstance(found, list) or not all(_is_token_id(i) for i in found):
        raise EngineFailure(
            f"{model_dir}: eos_token_id {found!r} is not a token id or a list of them",
            ErrorKind.BAD_REQUEST,
        )
    ids = frozenset(found)
    if not ids:
        raise EngineFailure(
            f"{model_dir} defines no end-of-sequence token id", ErrorKind.BAD_REQUEST
        )
    return ids


_PROBE = ({"role": "user", "content": "Hello"},)

QWEN_TOKENIZERS = ("Qwen2Tokenizer", "Qwen2TokenizerFast")
"""The class Qwen3's tokenizer_config.json names (transformers 5 has one class for both)."""


def _tokenizer_class(model_dir: Path) -> Any:
    """Qwen's tokenizer class where tokenizer_config.json names it, else AutoTokenizer.
    AutoTokenizer imports transformers' auto-model tables, and with transformers 5.17 its
    generation code and torch._dynamo with them: seconds of a start for the same class."""
    try:
        named = read_model_json(model_dir / "tokenizer_config.json", "tokenizer config")
    except FileNotFoundError:
        named = {}
    if named.get("tokenizer_class") in QWEN_TOKENIZERS:
        from transformers import Qwen2Tokenizer

        return Qwen2Tokenizer
    from transformers import AutoTokenizer

    return AutoTokenizer


def _check_tokenizer_files(model_dir: Path) -> None:
    """Say what is wrong with the tokenizer's files, before transformers would load an
    incomplete tokenizer that only fails later (as "no <think> token")."""
    for name in TOKENIZER_FILES:
        if (model_dir / name).exists():
            check_readable(model_dir / name)
    has_vocabulary = (model_dir / "vocab.json").is_file() and (model_dir / "merges.txt").is_file()
    if not (model_dir / "tokenizer.json").is_file() and not has_vocabulary:
        raise EngineFailure(
            f"{model_dir} has no tokenizer.json (nor vocab.json and merges.txt); copy the "
            "tokenizer files from the model's original files",
            ErrorKind.MODEL_MISSING,
        )


def _template_file(model_dir: Path) -> Path:
    """Where the tokenizer's chat template came from, for error messages."""
    separate = model_dir / "chat_template.jinja"
    return separate if separate.is_file() else model_dir / "tokenizer_config.json"


def _is_token_id(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip() or type(exc).__name__
    return text.splitlines()[0]
