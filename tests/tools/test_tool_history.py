"""A conversation with tool calls, as the app keeps it, renders through the published
Qwen3 template exactly as the OpenAI-shaped loop does: the calls as `<tool_call>` blocks,
the results as `<tool_response>`, the loop's thinking kept until the next user query."""

from __future__ import annotations

import pytest

from qwen_tui.chat.history import MALFORMED_CALLS, template_messages
from qwen_tui.chat.messages import Conversation, Message, Role, ToolCallRecord
from tests.tools.test_tool_prompts import LOOP, REFERENCE, TOOLS, published_rendering
from tests.tools.test_tool_prompts import tokenizer as tokenizer  # the fixture

pytestmark = pytest.mark.skipif(REFERENCE is None, reason="../shared/reference is absent")

TOKYO = ToolCallRecord("time.get_current_time", {"timezone": "Asia/Tokyo"})
LONDON = ToolCallRecord("time.get_current_time", {"timezone": "Europe/London"})
BROKEN = ToolCallRecord("", None, raw='{"name": "demo.fail", ', error="not valid JSON")


def result(text: str, name: str = "time.get_current_time", **flags) -> Message:
    return Message(Role.TOOL, text, tool_name=name, **flags)


def kept_loop() -> Conversation:
    """LOOP of test_tool_prompts as the conversation core keeps it."""
    return Conversation(
        "Be brief.",
        [
            Message(Role.USER, "What time is it in Tokyo and London?"),
            Message(
                Role.ASSISTANT, "Let me check.", "I need the time.", tool_calls=(TOKYO, LONDON)
            ),
            result(LOOP[3]["content"], ran=True, seconds=0.2),
            result(LOOP[4]["content"], ran=True, seconds=0.1),
            Message(Role.ASSISTANT, "", "Let me try the other tool.", tool_calls=(BROKEN,)),
            result(LOOP[6]["content"], "", is_error=True),
        ],
    )


@pytest.mark.parametrize("thinking", [True, False])
def test_a_kept_tool_loop_renders_as_the_published_template_renders_it(tokenizer, thinking):
    ours = tokenizer.render(template_messages(kept_loop()), thinking, tools=TOOLS).text
    reference = [*LOOP]
    # The second call's thinking is the model's too: the template shows it in the loop.
    reference[5] = {**LOOP[5], "reasoning_content": "Let me try the other tool."}
    assert ours == published_rendering(reference, TOOLS, thinking)
    assert '<tool_call>\n{"name": "time.get_current_time", "arguments": {"timezone": "Asia/' in ours
    assert "<|im_start|>user\n<tool_response>\n" in ours
    assert "<think>\nI need the time.\n</think>\n\nLet me check.\n<tool_call>" in ours
    assert '<think>\nLet me try the other tool.\n</think>\n\n<tool_call>{"name"' in ours


def test_the_loops_thinking_is_gone_once_the_user_asks_again(tokenizer):
    conversation = kept_loop()
    conversation.messages.append(Message(Role.ASSISTANT, "03:35 in Tokyo.", "Done."))
    messages = template_messages(conversation, "Thanks. And Paris?")
    assert not any("reasoning_content" in m for m in messages)
    prompt = tokenizer.render(messages, True, tools=TOOLS).text
    assert "I need the time." not in prompt and "Done." not in prompt
    assert prompt.count('<tool_call>\n{"name": "time.') == 2
    assert prompt.count("<tool_response>") == 3


def test_each_result_names_the_call_it_answers_as_openai_style_servers_pair_them():
    messages = template_messages(kept_loop())
    calls = [call["id"] for call in messages[2]["tool_calls"]]
    assert len(set(calls)) == 2
    assert [messages[3]["tool_call_id"], messages[4]["tool_call_id"]] == calls
    # A malformed block is no call the template renders, but its error result still
    # answers it by id, for the APIs that refuse a result without its call.
    assert "tool_calls" not in messages[5]
    [malformed] = messages[5][MALFORMED_CALLS]
    assert malformed["raw"] == BROKEN.raw and messages[6]["tool_call_id"] == malformed["id"]
    assert len({*calls, malformed["id"]}) == 3
