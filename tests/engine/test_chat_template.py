"""Prompts follow the Qwen3 format: the thinking-off suffix and history without thinking.

The published template is read from `../shared/reference/` where that folder exists (it is
not part of the project); the project's own template, used by the synthetic checkpoints,
must render exactly as the published one does.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from qwen_tui.engine.prompting import ChatTokenizer
from qwen_tui.engine.synthetic.checkpoint import tiny_config, write_checkpoint
from qwen_tui.engine.synthetic.qwen3_template import QWEN3_CHAT_TEMPLATE

ROOT = Path(__file__).resolve().parents[2]
REFERENCE_DIRS = [ROOT.parent / "shared" / "reference", ROOT / "shared" / "reference"]
REFERENCE = next((d / "qwen3_chat_template.jinja" for d in REFERENCE_DIRS if d.is_dir()), None)
needs_reference = pytest.mark.skipif(REFERENCE is None, reason="../shared/reference is absent")

THOUGHT = "<think>\nThe user greets me.\n</think>\n\n"
CONVERSATIONS = [
    [{"role": "user", "content": "Hello"}],
    [{"role": "system", "content": "Be brief."}, {"role": "user", "content": "Hello /no_think"}],
    [
        {"role": "system", "content": "Be brief."},
        {"role": "user", "content": "Hi"},
        {"role": "assistant", "content": THOUGHT + "Hello! How can I help?"},
        {"role": "user", "content": "What is 2+2?"},
    ],
    [
        {"role": "user", "content": "Hi"},
        {"role": "assistant", "content": "Hello!"},
        {"role": "user", "content": "Again"},
        {"role": "assistant", "content": THOUGHT + "Hello again!"},
    ],
]


@pytest.fixture(scope="module")
def tokenizers(tmp_path_factory):
    root = tmp_path_factory.mktemp("templates")
    ours = write_checkpoint(root / "ours", tiny_config(moe=False))
    result = {"ours": ChatTokenizer(ours)}
    if REFERENCE is not None:
        published = shutil.copytree(ours, root / "published")
        write_checkpoint(
            published, tiny_config(moe=False), chat_template=REFERENCE.read_text(encoding="utf-8")
        )
        result["published"] = ChatTokenizer(published)
    return result


@pytest.mark.parametrize("which", ["ours", "published"])
def test_thinking_off_appends_an_empty_think_block(tokenizers, which):
    if which not in tokenizers:
        pytest.skip("../shared/reference is absent")
    tokenizer = tokenizers[which]
    messages = [{"role": "user", "content": "Hello"}]
    off = tokenizer.render(messages, enable_thinking=False).text
    on = tokenizer.render(messages, enable_thinking=True).text
    assert on == "<|im_start|>user\nHello<|im_end|>\n<|im_start|>assistant\n"
    assert off == on + "<think>\n\n</think>\n\n"


@pytest.mark.parametrize("which", ["ours", "published"])
def test_past_assistant_turns_lose_their_thinking(tokenizers, which):
    if which not in tokenizers:
        pytest.skip("../shared/reference is absent")
    prompt = tokenizers[which].render(CONVERSATIONS[2], enable_thinking=True).text
    assert "The user greets me." not in prompt
    assert "<|im_start|>assistant\nHello! How can I help?<|im_end|>\n" in prompt


@needs_reference
@pytest.mark.parametrize("conversation", CONVERSATIONS)
@pytest.mark.parametrize("thinking", [True, False])
def test_project_template_renders_like_the_published_one(tokenizers, conversation, thinking):
    ours = tokenizers["ours"].render(conversation, thinking)
    published = tokenizers["published"].render(conversation, thinking)
    assert ours == published


def test_project_template_is_what_synthetic_checkpoints_carry(tokenizers):
    assert tokenizers["ours"].tokenizer.chat_template == QWEN3_CHAT_TEMPLATE
