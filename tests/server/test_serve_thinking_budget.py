"""`thinking_budget` as a request field of `qwen-chat serve`, through the real `openai`
client (it travels in `extra_body`, as vLLM's own extra fields do)."""

from __future__ import annotations

import openai
import pytest

from qwen_tui.engine.scripted.demo_replies import compose_reply, split_tokens
from qwen_tui.engine.thinking_budget import STOP_THINKING_TEXT

QUESTION = "How do I reverse a string in Python?"
THINKING, ANSWER = (part.strip("\n") for part in compose_reply(QUESTION))
STOP_WORDS = STOP_THINKING_TEXT.partition("\n</think>")[0]


def ask(server, **fields):
    return server.client().chat.completions.create(
        model=server.model, messages=[{"role": "user", "content": QUESTION}], **fields
    )


def test_the_thinking_stops_at_the_budget_and_the_answer_follows(demo_server):
    message = ask(demo_server, extra_body={"thinking_budget": 9}).choices[0].message
    assert message.reasoning_content == "".join(split_tokens(THINKING)[:8]) + STOP_WORDS
    assert message.content == ANSWER
    chunks = list(ask(demo_server, stream=True, extra_body={"thinking_budget": 9}))
    deltas = [c.choices[0].delta for c in chunks if c.choices]
    streamed = "".join(getattr(d, "reasoning_content", None) or "" for d in deltas)
    assert streamed.strip() == message.reasoning_content
    unlimited = ask(demo_server).choices[0].message
    assert unlimited.reasoning_content == THINKING


@pytest.mark.parametrize("budget", [0, -1, "many"])
def test_a_bad_thinking_budget_is_a_400_naming_the_field(demo_server, budget):
    with pytest.raises(openai.BadRequestError) as caught:
        ask(demo_server, extra_body={"thinking_budget": budget})
    assert "thinking_budget" in str(caught.value)
