"""`serve` with tools, driven by the `openai` client: offered tools reach the template, the
model's `<tool_call>` blocks come back as `tool_calls` (whole and streamed, in vLLM's
shape), and the calls and results a client sends back render as the template's."""

from __future__ import annotations

import json

import openai
import pytest
from typer.testing import CliRunner

from qwen_tui.chat.messages import Role
from qwen_tui.cli import app
from qwen_tui.sessions import SessionStore
from tests.config_files import write_config
from tests.tools.test_run_tools import ASK, TIME_SERVER

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


def test_save_records_the_calls_and_the_results_sent_back(demo_server):
    client = demo_server.client()
    ask = {"role": "user", "content": "What time is it? saved-tools-marker"}
    first = client.chat.completions.create(
        model=demo_server.model, messages=[ask], tools=[TIME_TOOL]
    )
    called = first.choices[0].message
    result = {"role": "tool", "tool_call_id": called.tool_calls[0].id, "content": "09:30 UTC"}
    client.chat.completions.create(
        model=demo_server.model,
        messages=[ask, called.model_dump(exclude_none=True), result],
        tools=[TIME_TOOL],
    )
    store = SessionStore(demo_server.data_dir / "sessions")
    sessions = [store.load(i) for i in store.ids()]
    marked = [
        s.conversation.messages
        for s in sessions
        if any("saved-tools-marker" in m.content for m in s.conversation.messages)
    ]
    [asked, answered] = sorted(marked, key=len)
    assert [call.name for call in asked[1].tool_calls] == ["get_current_time"]
    assert [m.role for m in answered] == [Role.USER, Role.ASSISTANT, Role.TOOL, Role.ASSISTANT]
    assert answered[2].tool_name == "get_current_time" and answered[2].content == "09:30 UTC"
    assert "09:30 UTC" in answered[3].content


def test_run_yes_with_engine_openai_runs_a_real_mcp_tool_through_serve(demo_server):
    write_config(TIME_SERVER)
    result = CliRunner().invoke(
        app, ["run", "--engine", "openai", "--base-url", demo_server.url, "--yes", ASK]
    )
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("Let me check.") and '"datetime"' in result.stdout


def test_the_tools_schemas_count_in_the_prompt_and_its_room(demo_server):
    client = demo_server.client()
    ask = [{"role": "user", "content": "Hi"}]
    plain = client.chat.completions.create(model=demo_server.model, messages=ask)
    offered = client.chat.completions.create(
        model=demo_server.model, messages=ask, tools=[TIME_TOOL]
    )
    assert offered.usage.prompt_tokens > plain.usage.prompt_tokens + 50
    wordy = {**TIME_TOOL, "function": {**TIME_TOOL["function"], "description": "word " * 45_000}}
    with pytest.raises(openai.BadRequestError) as refused:
        client.chat.completions.create(model=demo_server.model, messages=ask, tools=[wordy])
    message = refused.value.body["message"]
    assert message.startswith("The messages and the tools' schemas take 45,")
    assert message.endswith("shorten the messages or offer fewer tools.")
    # Reading tool results: the tools count as well.
    called = {"id": "call_1", "type": "function", "function": {"name": "get_current_time"}}
    called["function"]["arguments"] = '{"timezone": "UTC"}'
    results = [
        *ask,
        {"role": "assistant", "content": "", "tool_calls": [called]},
        {"role": "tool", "tool_call_id": "call_1", "content": "12:00"},
    ]
    with pytest.raises(openai.BadRequestError) as refused:
        client.chat.completions.create(model=demo_server.model, messages=results, tools=[wordy])
    assert "no room for the reply to the tool results" in refused.value.body["message"]
