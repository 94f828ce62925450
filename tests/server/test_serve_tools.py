"""`serve` with tools, driven by the `openai` client: offered tools reach the template, the
model's `<tool_call>` blocks come back as `tool_calls` (whole and streamed, in vLLM's
shape), and the calls and results a client sends back render as the template's."""

from __future__ import annotations

import json

import openai
import pytest

TIME_TOOL = {
    "type": "function",
    "function": {
        "name": "get_current_time",
        "description": "The current time in a timezone.",
        "parameters": {
            "type": "object",
            "properties": {"timezone": {"type": "string"}},
            "required": ["timezone"],
        },
    },
}
QUESTION = "What time is it in Tokyo?"


def test_a_reply_with_a_call_comes_back_as_tool_calls(demo_server):
    client = demo_server.client()
    reply = client.chat.completions.create(
        model=demo_server.model,
        messages=[{"role": "user", "content": QUESTION}],
        tools=[TIME_TOOL],
    )
    choice = reply.choices[0]
    assert choice.finish_reason == "tool_calls"
    (call,) = choice.message.tool_calls
    assert call.id.startswith("call_") and call.type == "function"
    assert call.function.name == "get_current_time"
    assert json.loads(call.function.arguments) == {"timezone": "UTC"}
    assert choice.message.content == "Let me check."  # the block is not in the text
    assert "get_current_time" in choice.message.model_extra["reasoning_content"]


def test_a_streamed_call_arrives_as_tool_call_deltas(demo_server):
    stream = demo_server.client().chat.completions.create(
        model=demo_server.model,
        messages=[{"role": "user", "content": QUESTION}],
        tools=[TIME_TOOL],
        stream=True,
    )
    content, pieces, reasons = [], [], []
    for chunk in stream:
        for choice in chunk.choices:
            content.append(choice.delta.content or "")
            pieces.extend(choice.delta.tool_calls or ())
            reasons.append(choice.finish_reason)
    assert reasons[-1] == "tool_calls"
    assert "<tool_call>" not in "".join(content) and "Let me check." in "".join(content)
    first, rest = pieces[0], pieces[1:]
    assert (first.index, first.type, first.function.name) == (0, "function", "get_current_time")
    assert first.id.startswith("call_") and all(p.index == 0 and p.id is None for p in rest)
    arguments = "".join(p.function.arguments or "" for p in pieces)
    assert json.loads(arguments) == {"timezone": "UTC"}


def test_the_tool_result_sent_back_is_answered(demo_server):
    client = demo_server.client()
    first = client.chat.completions.create(
        model=demo_server.model,
        messages=[{"role": "user", "content": QUESTION}],
        tools=[TIME_TOOL],
    )
    called = first.choices[0].message
    history = [
        {"role": "user", "content": QUESTION},
        called.model_dump(exclude_none=True),
        {"role": "tool", "tool_call_id": called.tool_calls[0].id, "content": "21:07 JST"},
    ]
    reply = client.chat.completions.create(
        model=demo_server.model, messages=history, tools=[TIME_TOOL]
    )
    choice = reply.choices[0]
    assert choice.finish_reason == "stop" and not choice.message.tool_calls
    assert "21:07 JST" in choice.message.content


def test_tool_choice_none_offers_no_tools(demo_server):
    reply = demo_server.client().chat.completions.create(
        model=demo_server.model,
        messages=[{"role": "user", "content": QUESTION}],
        tools=[TIME_TOOL],
        tool_choice="none",
    )
    choice = reply.choices[0]
    assert choice.finish_reason == "stop" and not choice.message.tool_calls
    assert "<tool_call>" not in choice.message.content


@pytest.mark.parametrize(
    "choice", ["required", {"type": "function", "function": {"name": "get_current_time"}}]
)
def test_a_forced_tool_choice_is_refused_naming_the_field(demo_server, choice):
    with pytest.raises(openai.BadRequestError) as refused:
        demo_server.client().chat.completions.create(
            model=demo_server.model,
            messages=[{"role": "user", "content": QUESTION}],
            tools=[TIME_TOOL],
            tool_choice=choice,
        )
    error = refused.value.body
    assert error["param"] == "tool_choice" and '"auto" and "none"' in error["message"]


def test_call_arguments_that_are_not_json_are_refused_naming_them(demo_server):
    call = {"id": "call_1", "type": "function", "function": {"name": "f", "arguments": "{oops"}}
    with pytest.raises(openai.BadRequestError) as refused:
        demo_server.client().chat.completions.create(
            model=demo_server.model,
            messages=[
                {"role": "user", "content": QUESTION},
                {"role": "assistant", "content": None, "tool_calls": [call]},
                {"role": "tool", "tool_call_id": "call_1", "content": "x"},
            ],
        )
    assert refused.value.body["param"] == "messages.1.tool_calls.0.function.arguments"
    # and the server goes on serving
    reply = demo_server.client().chat.completions.create(
        model=demo_server.model, messages=[{"role": "user", "content": "Hi"}]
    )
    assert reply.choices[0].message.content
