"""A prompt with tools offered, the model's calls and their results renders exactly as
the published Qwen3 template renders it, through the app's sandboxed template path."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from jinja2.ext import loopcontrols
from jinja2.sandbox import ImmutableSandboxedEnvironment

from qwen_tui.chat.tools_section import tools_section
from qwen_tui.engine.base import GenerationRequest
from qwen_tui.engine.events import PrefillStarted
from qwen_tui.engine.prompting import ChatTokenizer
from qwen_tui.engine.remote.engine import BYTES_PER_TOKEN, OpenAIEngine, RemoteSpec
from qwen_tui.engine.scripted.demo import DemoEngine
from qwen_tui.engine.scripted.demo_replies import count_tokens
from qwen_tui.engine.synthetic.checkpoint import tiny_config, write_checkpoint
from qwen_tui.tools.calls import MalformedToolCall, ToolCall
from qwen_tui.tools.messages import assistant_message, function_spec, tool_message
from tests.engine.tiny_models import GREEDY, EngineRun

ROOT = Path(__file__).resolve().parents[2]
REFERENCE_DIRS = [ROOT.parent / "shared" / "reference", ROOT / "shared" / "reference"]
REFERENCE = next((d / "qwen3_chat_template.jinja" for d in REFERENCE_DIRS if d.is_dir()), None)
# The published template is not part of the project (as in tests/engine/test_chat_template.py).
pytestmark = pytest.mark.skipif(REFERENCE is None, reason="../shared/reference is absent")

TOOLS = [
    function_spec(
        "time.get_current_time",
        "Get the current time in a time zone",
        {
            "type": "object",
            "properties": {"timezone": {"type": "string", "description": "IANA name, 東京"}},
            "required": ["timezone"],
        },
    ),
    function_spec("demo.fail", "Always fails", {"type": "object", "properties": {}}),
]
TOKYO = ToolCall("time.get_current_time", {"timezone": "Asia/Tokyo"})
LOOP = [
    {"role": "system", "content": "Be brief."},
    {"role": "user", "content": "What time is it in Tokyo and London?"},
    assistant_message(
        "<think>\nI need the time.\n</think>\n\nLet me check.",
        [TOKYO, ToolCall("time.get_current_time", {"timezone": "Europe/London"})],
    ),
    tool_message('{"timezone": "Asia/Tokyo", "datetime": "2026-12-03T03:35:00+09:00"}'),
    tool_message('{"timezone": "Europe/London", "datetime": "2026-12-02T18:35:00+00:00"}'),
    assistant_message("", [MalformedToolCall('{"name": "demo.fail", ', "not valid JSON")]),
    tool_message("Error: the tool call is not valid JSON"),
]


def published_rendering(messages, tools, enable_thinking):
    assert REFERENCE is not None
    """The reference template rendered as transformers' apply_chat_template renders it."""
    environment = ImmutableSandboxedEnvironment(
        trim_blocks=True, lstrip_blocks=True, extensions=[loopcontrols]
    )
    environment.filters["tojson"] = lambda value, **kw: json.dumps(value, ensure_ascii=False, **kw)
    template = environment.from_string(REFERENCE.read_text(encoding="utf-8"))
    return template.render(
        messages=messages,
        tools=tools,
        add_generation_prompt=True,
        enable_thinking=enable_thinking,
    )


@pytest.fixture(scope="module")
def tokenizer(tmp_path_factory):
    assert REFERENCE is not None
    root = tmp_path_factory.mktemp("tool_templates")
    model = write_checkpoint(root / "ours", tiny_config(moe=False))
    published = shutil.copytree(model, root / "published")
    write_checkpoint(
        published, tiny_config(moe=False), chat_template=REFERENCE.read_text(encoding="utf-8")
    )
    return ChatTokenizer(published)


@pytest.mark.parametrize("thinking", [True, False])
@pytest.mark.parametrize("length", [2, 5, 7])
def test_tools_calls_and_results_render_as_the_published_template(tokenizer, thinking, length):
    messages = LOOP[:length]
    ours = tokenizer.render(messages, thinking, tools=TOOLS).text
    assert ours == published_rendering(messages, TOOLS, thinking)
    assert ours == tokenizer.tokenizer.apply_chat_template(
        messages,
        tools=TOOLS,
        tokenize=False,
        add_generation_prompt=True,
        enable_thinking=thinking,
    )


def test_the_model_sees_the_tools_its_calls_and_the_results(tokenizer):
    prompt = tokenizer.render(LOOP, True, tools=TOOLS).text
    assert prompt.startswith("<|im_start|>system\nBe brief.\n\n# Tools\n")
    assert json.dumps(TOOLS[0], ensure_ascii=False) in prompt
    assert (
        'Let me check.\n<tool_call>\n{"name": "time.get_current_time", "arguments": '
        '{"timezone": "Asia/Tokyo"}}\n</tool_call>\n<tool_call>' in prompt
    )
    assert '<|im_start|>user\n<tool_response>\n{"timezone": "Asia/Tokyo"' in prompt
    assert '</tool_response>\n<tool_response>\n{"timezone": "Europe/London"' in prompt
    assert '<|im_start|>assistant\n<tool_call>{"name": "demo.fail", </tool_call>' in prompt
    # Thinking is kept for the assistant turns after the last user query, as the template says.
    assert "<think>\nI need the time.\n</think>\n\nLet me check." in prompt


def test_without_tools_the_prompt_has_no_tools_section(tokenizer):
    prompt = tokenizer.render(LOOP[:2], True).text
    assert "# Tools" not in prompt and prompt.startswith("<|im_start|>system\nBe brief.<|im_end|>")


def test_the_local_engine_renders_a_requests_tools_into_its_prompt(tmp_path):
    assert REFERENCE is not None
    model = write_checkpoint(
        tmp_path / "published", tiny_config(moe=False), chat_template=REFERENCE.read_text()
    )
    run = EngineRun(model)
    try:
        run.wait_ready()
        prompt = run.engine.render_prompt(LOOP, True, tools=TOOLS)
        assert prompt.text == published_rendering(LOOP, TOOLS, True)
        without = run.engine.render_prompt(LOOP, True)
        assert "# Tools" not in without.text and len(without.ids) < len(prompt.ids)
        run.engine.submit(GenerationRequest(tuple(LOOP), True, GREEDY, 2, 1, tools=tuple(TOOLS)))
        prefill = next(e for e in run.until_finished() if isinstance(e, PrefillStarted))
        assert prefill.prompt_tokens == len(prompt.ids)
        # The context budget counts the prompt the model reads, tools and all.
        assert run.engine.count_prompt_tokens(tuple(LOOP), True, TOOLS) == len(prompt.ids)
    finally:
        run.close()


@pytest.mark.parametrize("system", [True, False])
def test_the_estimating_engines_count_the_tools_text_the_template_writes(system):
    """The demo and the OpenAI engine have no tokenizer: they size the tools' section the
    template writes, which is found as it is in the published rendering."""
    messages = LOOP[:2] if system else LOOP[1:2]
    section = tools_section(TOOLS)
    assert section.startswith("# Tools\n") and section in published_rendering(messages, TOOLS, True)
    demo = DemoEngine()
    added = demo.count_prompt_tokens(tuple(messages), True, TOOLS) - demo.count_prompt_tokens(
        tuple(messages), True
    )
    assert added == count_tokens(section)
    remote = OpenAIEngine(RemoteSpec("http://127.0.0.1:9/v1", "qwen3"))
    added = remote.count_prompt_tokens(tuple(messages), True, TOOLS) - remote.count_prompt_tokens(
        tuple(messages), True
    )
    assert added == round(len(section.encode()) / BYTES_PER_TOKEN)
