"""The demo engine speaks Qwen3's tool protocol, so the loop can be tried without a GPU:
offered a tool its message is about, it calls it; given the result, it answers from it.
Here one loop runs by hand: demo engine → parser → a real MCP server → demo engine."""

from __future__ import annotations

import math
import queue
import sys

import pytest

from qwen_tui.chat.parts import TextDelta
from qwen_tui.chat.sampling import THINKING_PRESET
from qwen_tui.engine.base import GenerationRequest
from qwen_tui.engine.events import EngineReady, GenerationFinished
from qwen_tui.engine.scripted.demo import DemoEngine
from qwen_tui.tool_settings import McpServer, ToolSettings
from qwen_tui.tools.calls import ToolCall
from qwen_tui.tools.hub import ToolHub
from qwen_tui.tools.messages import assistant_message, tool_message
from qwen_tui.tools.parsing import ToolCallParser


@pytest.fixture(scope="module")
def hub():
    server = McpServer("time", sys.executable, ("-m", "mcp_server_time", "--local-timezone=UTC"))
    with ToolHub(ToolSettings(servers=(server,))) as running:
        yield running


@pytest.fixture
def engine():
    demo = DemoEngine(tokens_per_s=math.inf, load_s=0)
    events: queue.Queue = queue.Queue()
    demo.start(events.put)
    while not isinstance(events.get(timeout=5), EngineReady):
        pass
    yield demo, events
    demo.close()


def reply(engine, messages, tools):
    demo, events = engine
    demo.submit(GenerationRequest(tuple(messages), True, THINKING_PRESET, 4096, 1, tools=tools))
    parser, pieces = ToolCallParser(), []
    while True:
        event = events.get(timeout=5)
        if isinstance(event, GenerationFinished):
            return parser, pieces + parser.finish(), event
        if isinstance(event, TextDelta):
            pieces += parser.feed(event)


def test_the_demo_calls_a_tool_the_message_is_about_then_answers_from_its_result(hub, engine):
    ask = {"role": "user", "content": "What time is it now?"}
    parser, _, finished = reply(engine, [ask], hub.tool_specs())
    assert parser.calls == [ToolCall("time.get_current_time", {"timezone": "UTC"})]
    assert finished.answer.startswith("Let me check.\n<tool_call>\n")
    result = hub.call("time.get_current_time", parser.calls[0].arguments)
    assert not result.is_error
    history = [ask, assistant_message(finished.answer, parser.calls), tool_message(result.text)]
    parser, _, finished = reply(engine, history, hub.tool_specs())
    assert parser.calls == []
    assert finished.answer.startswith("The tool says:") and '"timezone": "UTC"' in finished.answer


def test_without_tools_or_a_fitting_one_the_demo_answers_as_before(hub, engine):
    ask = {"role": "user", "content": "How do I reverse a string?"}
    for tools in ((), hub.tool_specs()):
        parser, _, finished = reply(engine, [ask], tools)
        assert parser.calls == [] and "<tool_call>" not in finished.answer
