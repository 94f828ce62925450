"""Chat templates render in a sandbox: the same prompt as transformers gives, and a
template that raises, never ends or produces endless text is one line naming it."""

from __future__ import annotations

import tracemalloc

import pytest
from typer.testing import CliRunner

from qwen_tui.cli import app
from qwen_tui.engine import chat_template
from qwen_tui.engine.base import EngineFailure
from qwen_tui.engine.chat_template import ChatTemplate
from qwen_tui.engine.prompting import ChatTokenizer
from qwen_tui.engine.synthetic.checkpoint import tiny_config, write_checkpoint
from tests.engine.test_chat_template import CONVERSATIONS, REFERENCE

HELLO = [{"role": "user", "content": "Hello"}]
ALWAYS_FAILS = "{{ raise_exception('This model does not chat') }}"
FAILS_ON_REPLIES = (
    "{% for m in messages %}{% if m.role == 'assistant' %}"
    "{{ raise_exception('assistant turns are not supported') }}{% endif %}"
    "<|im_start|>{{ m.role }}\n{{ m.content }}<|im_end|>\n{% endfor %}"
    "{% if add_generation_prompt %}<|im_start|>assistant\n{% endif %}"
)


def render(source: str, messages=HELLO) -> str:
    return ChatTemplate(source, "model/chat_template.jinja", {}).render(
        messages, add_generation_prompt=True, enable_thinking=True
    )


def failure(source: str, messages=HELLO) -> str:
    with pytest.raises(EngineFailure) as info:
        render(source, messages)
    message = str(info.value)
    assert "\n" not in message
    assert message.startswith("the chat template in model/chat_template.jinja ")
    return message


@pytest.fixture(scope="module")
def model_dirs(tmp_path_factory):
    root = tmp_path_factory.mktemp("templates")
    dirs = {"ours": write_checkpoint(root / "ours", tiny_config(moe=False))}
    if REFERENCE is not None:
        dirs["published"] = write_checkpoint(
            root / "published", tiny_config(moe=False), chat_template=REFERENCE.read_text()
        )
    return dirs


@pytest.mark.parametrize("thinking", [True, False])
def test_the_sandbox_renders_what_transformers_renders(model_dirs, thinking):
    for path in model_dirs.values():
        tokenizer = ChatTokenizer(path)
        for messages in CONVERSATIONS:
            expected = tokenizer.tokenizer.apply_chat_template(
                messages, tokenize=False, add_generation_prompt=True, enable_thinking=thinking
            )
            assert tokenizer.render(messages, thinking).text == expected


def test_a_template_that_always_fails_is_refused_at_load(tmp_path):
    path = write_checkpoint(tmp_path / "m", tiny_config(moe=False), chat_template=ALWAYS_FAILS)
    with pytest.raises(EngineFailure) as info:
        ChatTokenizer(path)
    assert str(info.value) == (
        f"the chat template in {path / 'tokenizer_config.json'} failed: This model does not "
        "chat; use the model's original template"
    )


def test_run_with_a_failing_template_is_one_line(tmp_path):
    path = write_checkpoint(tmp_path / "m", tiny_config(moe=False), chat_template=ALWAYS_FAILS)
    result = CliRunner().invoke(
        app, ["run", "--model", str(path), "--device", "cpu", "--no-save", "Hello"]
    )
    assert result.exit_code == 2
    [line] = result.stderr.splitlines()
    assert "the chat template in" in line and "This model does not chat" in line


@pytest.mark.parametrize(
    ("source", "shown"),
    [
        ("{{ 1 / 0 }}", "failed: division by zero"),
        ("{{ messages[0].nothing.deeper }}", "failed: 'dict object' has no attribute"),
        ("{% for x in y %}", "is not valid Jinja (line 1: Unexpected end of template"),
        ("{{ ().__class__.__base__ }}", "failed: access to attribute '__class__' of 'tuple'"),
        ("{% macro f() %}{{ f() }}{% endmacro %}{{ f() }}", "failed: it recursed too deeply"),
        ("{{ 7 ** 100000000 }}", "failed: 7 ** 100000000 is too large to compute"),
    ],
)
def test_a_failing_template_is_one_line(source, shown):
    assert shown in failure(source)


def test_a_template_that_fails_on_some_conversations_fails_only_those(tmp_path):
    path = write_checkpoint(tmp_path / "m", tiny_config(moe=False), chat_template=FAILS_ON_REPLIES)
    tokenizer = ChatTokenizer(path)
    assert tokenizer.render(HELLO, True).text.endswith("<|im_start|>assistant\n")
    with pytest.raises(EngineFailure, match="failed: assistant turns are not supported"):
        tokenizer.render([*HELLO, {"role": "assistant", "content": "Hi"}, *HELLO], True)


def test_a_template_that_never_ends_is_stopped(monkeypatch):
    monkeypatch.setattr(chat_template, "BASE_SECONDS", 0.3)
    endless = "{% for i in range(100000) %}{% for j in range(100000) %}{% endfor %}{% endfor %}"
    assert "took over 0.302 s to render; it may never end" in failure(endless)


@pytest.mark.parametrize(
    "source",
    [
        "{% for i in range(100000) %}{{ 'x' * 1000 }}{% endfor %}",
        "{{ 'x' * 100000000 }}",
        "{% for i in range(100000) %}{{ messages | tojson }}{% endfor %}",
    ],
    ids=["a loop", "one string", "json of the messages"],
)
def test_a_template_that_produces_endless_text_is_stopped_early(source):
    messages = [{"role": "user", "content": "y" * 1000}]
    tracemalloc.start()
    try:
        assert "produced over 16.0 MiB of text" in failure(source, messages)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 80 * 2**20
