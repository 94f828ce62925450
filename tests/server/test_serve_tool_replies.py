"""What `serve` gives the model with tools, and what it makes of the replies: the prompt
equals the published template's rendering of the request itself, several calls come back
in order, and a malformed block or a call inside the thinking stays text."""

from __future__ import annotations

import json

import pytest

from qwen_tui.chat.model_card import DEFAULT_MODEL
from qwen_tui.engine.prompting import ChatTokenizer
from qwen_tui.engine.synthetic.checkpoint import tiny_config, write_checkpoint
from tests.engine.test_chat_template import REFERENCE, needs_reference
from tests.server.scripted_serve import ScriptedEngine, scripted_server
from tests.server.test_serve_tools import QUESTION, TIME_TOOL

CALL = {"id": "call_7", "type": "function"}
TWO_CALLS = (
    "Two lookups.\n<tool_call>\n"
    '{"name": "get_current_time", "arguments": {"timezone": "Asia/Tokyo"}}\n</tool_call>\n'
    '<tool_call>\n{"name": "get_current_time", "arguments": {"timezone": "Europe/Paris"}}'
    "\n</tool_call>"
)
MALFORMED = 'Calling.\n<tool_call>\n{"name": "get_current_time", "arguments": {oops}\n</tool_call>'


@pytest.fixture(scope="module")
def engine():
    return ScriptedEngine()


@pytest.fixture(scope="module")
def client(engine):
    with scripted_server(engine) as client:
        yield client


@pytest.fixture
def answer(engine):
    def reply_with(text: str, thinking: str = "") -> None:
        engine.answer, engine.thinking = text, thinking

    yield reply_with
    engine.answer, engine.thinking = None, ""


@pytest.fixture(scope="module")
def published(tmp_path_factory):
    if REFERENCE is None:
        pytest.skip("../shared/reference is absent")
    root = tmp_path_factory.mktemp("published")
    template = REFERENCE.read_text(encoding="utf-8")
    return ChatTokenizer(write_checkpoint(root, tiny_config(moe=False), chat_template=template))


def _sent(*calls_and_results: dict) -> list[dict]:
    return [{"role": "system", "content": "Be brief."}, *calls_and_results]


@needs_reference
@pytest.mark.parametrize("thinking", [True, False])
def test_the_prompt_is_the_published_templates_rendering_of_the_request(
    client, engine, published, thinking
):
    function = {"name": "get_current_time", "arguments": '{"timezone": "Asia/Tokyo"}'}
    messages = _sent(
        {"role": "user", "content": QUESTION},
        {
            "role": "assistant",
            "content": "Let me check.",
            "reasoning_content": "The user wants the time; I'll call the tool.",
            "tool_calls": [{**CALL, "function": function}],
        },
        {"role": "tool", "tool_call_id": "call_7", "content": "21:07 JST"},
    )
    client.chat.completions.create(
        model=DEFAULT_MODEL,
        messages=messages,
        tools=[TIME_TOOL],
        extra_body={"chat_template_kwargs": {"enable_thinking": thinking}},
    )
    sent = engine.requests[-1]
    ours = published.render(sent.messages, sent.enable_thinking, sent.tools).text
    expected = published.render(messages, thinking, [TIME_TOOL]).text
    assert ours == expected
    assert "<tool_response>\n21:07 JST\n</tool_response>" in ours
    assert "I'll call the tool." in ours  # the loop's own reasoning, as the template keeps


def test_several_calls_come_back_in_order(client, answer):
    answer(TWO_CALLS)
    reply = client.chat.completions.create(
        model=DEFAULT_MODEL, messages=[{"role": "user", "content": QUESTION}], tools=[TIME_TOOL]
    )
    message = reply.choices[0].message
    zones = [json.loads(c.function.arguments)["timezone"] for c in message.tool_calls]
    assert zones == ["Asia/Tokyo", "Europe/Paris"] and message.content == "Two lookups."
    assert len({c.id for c in message.tool_calls}) == 2

    stream = client.chat.completions.create(
        model=DEFAULT_MODEL,
        messages=[{"role": "user", "content": QUESTION}],
        tools=[TIME_TOOL],
        stream=True,
    )
    arguments: dict[int, str] = {}
    for chunk in stream:
        for piece in chunk.choices[0].delta.tool_calls or () if chunk.choices else ():
            arguments[piece.index] = arguments.get(piece.index, "") + piece.function.arguments
    assert [json.loads(arguments[i])["timezone"] for i in (0, 1)] == zones


@pytest.mark.parametrize("stream", [False, True])
def test_a_malformed_block_stays_in_the_content(client, answer, stream):
    answer(MALFORMED)
    created = client.chat.completions.create(
        model=DEFAULT_MODEL,
        messages=[{"role": "user", "content": QUESTION}],
        tools=[TIME_TOOL],
        stream=stream,
    )
    if stream:
        chunks = [c.choices[0] for c in created if c.choices]
        content = "".join(c.delta.content or "" for c in chunks)
        assert not any(c.delta.tool_calls for c in chunks)
        reason = chunks[-1].finish_reason
    else:
        content, reason = created.choices[0].message.content, created.choices[0].finish_reason
        assert not created.choices[0].message.tool_calls
    assert reason == "stop"
    assert content.startswith("Calling.") and '"arguments": {oops}' in content


def test_a_call_inside_the_thinking_is_no_call(client, answer):
    answer("It is late.", thinking='Maybe <tool_call>{"name": "x"}</tool_call>? No.')
    reply = client.chat.completions.create(
        model=DEFAULT_MODEL, messages=[{"role": "user", "content": QUESTION}], tools=[TIME_TOOL]
    )
    choice = reply.choices[0]
    assert choice.finish_reason == "stop" and not choice.message.tool_calls
    assert "<tool_call>" in choice.message.model_extra["reasoning_content"]


CALLS_WITH_TEXT_BETWEEN = (
    'First Tokyo.\n<tool_call>\n{"name": "get_current_time", "arguments": {"timezone": '
    '"Asia/Tokyo"}}\n</tool_call>\nNow Paris, after a long think about it.\n<tool_call>\n'
    '{"name": "get_current_time", "arguments": {"timezone": "Europe/Paris"}}\n</tool_call>'
    "\nThat is all."
)


def test_each_call_streams_as_soon_as_it_is_written(client, answer):
    answer(CALLS_WITH_TEXT_BETWEEN)
    stream = client.chat.completions.create(
        model=DEFAULT_MODEL,
        messages=[{"role": "user", "content": QUESTION}],
        tools=[TIME_TOOL],
        stream=True,
    )
    seen: list[tuple[str, object]] = []  # what came, in order, as the client reads it
    arguments: dict[int, str] = {}
    for chunk in stream:
        for choice in chunk.choices:
            if choice.delta.content:
                seen.append(("text", choice.delta.content))
            for piece in choice.delta.tool_calls or ():
                arguments[piece.index] = arguments.get(piece.index, "") + piece.function.arguments
                if piece.id is not None:
                    assert piece.type == "function" and piece.function.name == "get_current_time"
                    seen.append(("call", piece.index))
            if choice.finish_reason:
                seen.append(("end", choice.finish_reason))
    first, second = seen.index(("call", 0)), seen.index(("call", 1))
    text = [
        "".join(str(t) for kind, t in part if kind == "text")
        for part in (seen[:first], seen[first:second], seen[second:])
    ]
    assert text[0].strip() == "First Tokyo."  # the first call came before the text after it
    assert text[1].strip() == "Now Paris, after a long think about it."
    assert text[2].strip() == "That is all." and seen[-1] == ("end", "tool_calls")
    zones = [json.loads(arguments[i])["timezone"] for i in (0, 1)]
    assert zones == ["Asia/Tokyo", "Europe/Paris"]
