"""`--engine openai` with tools: `run --yes` offers the configured MCP server's tools to the
server, runs the calls it returns (as `tool_calls`, streamed in pieces as vLLM sends them,
or as `<tool_call>` blocks left in `content`), and sends the results back as `tool`
messages with the matching `tool_call_id`."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from qwen_tui.chat.messages import FinishReason
from qwen_tui.chat.model_card import DEFAULT_MODEL
from qwen_tui.chat.parts import Part, TextDelta
from qwen_tui.cli import app
from qwen_tui.engine.events import EngineReady
from qwen_tui.engine.remote.engine import OpenAIEngine, RemoteSpec
from qwen_tui.tools.parsing import ToolCallParser
from tests.config_files import write_config
from tests.server.engine_events import EngineEvents
from tests.server.recorded_server import RecordedServer, Script
from tests.server.scripted_serve import ScriptedEngine, scripted_server
from tests.tools.test_run_tools import ASK, TIME_SERVER

CALL_ARGUMENTS = '{"timezone": "UTC"}'


def run(url: str, *args: str, model: str = DEFAULT_MODEL):
    write_config(TIME_SERVER)
    command = ["run", "--engine", "openai", "--base-url", url, "--model", model, *args]
    return CliRunner().invoke(app, command, env={"COLUMNS": "240"})


def test_run_yes_through_serve_runs_the_call_and_sends_its_result_back():
    engine = ScriptedEngine()
    with scripted_server(engine) as client:
        result = run(str(client.base_url), "--yes", ASK)
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("Let me check.") and "The tool says:" in result.stdout
    assert '"datetime"' in result.stdout  # the MCP server's answer, read by the model
    first, second = engine.requests
    assert "time.get_current_time" in [t["function"]["name"] for t in first.tools]
    called, answered = second.messages[-2:]
    assert called["tool_calls"][0]["function"] == {
        "name": "time.get_current_time",
        "arguments": {"timezone": "UTC"},
    }
    assert answered["role"] == "tool" and '"timezone": "UTC"' in answered["content"]


def _sse(*deltas: dict, finish: str) -> bytes:
    chunks = [{"index": 0, "delta": delta, "finish_reason": None} for delta in deltas]
    chunks.append({"index": 0, "delta": {}, "finish_reason": finish})
    events = [
        {
            "id": "chatcmpl-1",
            "object": "chat.completion.chunk",
            "created": 1,
            "model": "qwen3",
            "choices": [choice],
        }
        for choice in chunks
    ]
    return b"".join(f"data: {json.dumps(e)}\n\n".encode() for e in events) + b"data: [DONE]\n\n"


def _vllm_call_pieces() -> list[dict]:
    """vLLM's hermes parser: the id, type and name first, then the arguments in pieces."""
    opening = {
        "index": 0,
        "id": "chatcmpl-tool-9a",
        "type": "function",
        "function": {"name": "time.get_current_time"},
    }
    pieces = [CALL_ARGUMENTS[:5], CALL_ARGUMENTS[5:13], CALL_ARGUMENTS[13:]]
    rest = [{"index": 0, "function": {"arguments": piece}} for piece in pieces]
    return [{"tool_calls": [call]} for call in [opening, *rest]]


THROUGH_TOOL_CALLS = _sse(
    {"role": "assistant", "content": ""},
    {"reasoning_content": "I need the time."},
    {"content": "Let me check."},
    *_vllm_call_pieces(),
    finish="tool_calls",
)
BLOCK_IN_CONTENT = _sse(
    {"role": "assistant", "content": "<think>\nI need the time.\n</think>\n\nLet me check.\n<tool"},
    {"content": '_call>\n{"name": "time.get_current_time", "arguments": '},
    {"content": CALL_ARGUMENTS + "}\n</tool_"},
    {"content": "call>"},
    finish="stop",
)
ANSWER = _sse({"role": "assistant", "content": "It is noon in UTC."}, finish="stop")


@pytest.mark.parametrize(
    "stream", [THROUGH_TOOL_CALLS, BLOCK_IN_CONTENT], ids=["tool_calls", "content"]
)
def test_the_calls_a_server_returns_run_and_their_results_go_back(stream):
    server = RecordedServer(Script(ANSWER))
    server.next_scripts.append(Script(stream))
    try:
        result = run(server.url, "--yes", "--json", ASK, model="qwen3")
    finally:
        server.close()
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert report["answer"] == "It is noon in UTC."
    first, second = server.bodies
    assert "time.get_current_time" in [t["function"]["name"] for t in first["tools"]]
    called, answered = second["messages"][-2:]
    (call,) = called["tool_calls"]
    assert call["function"] == {"name": "time.get_current_time", "arguments": CALL_ARGUMENTS}
    assert called["content"] == "Let me check." and call["type"] == "function"
    assert answered["role"] == "tool" and answered["tool_call_id"] == call["id"]
    assert '"datetime"' in answered["content"]


def test_arguments_that_are_not_json_go_back_as_an_error_result():
    broken = {
        "index": 0,
        "id": "c1",
        "type": "function",
        "function": {"name": "time.get_current_time", "arguments": '{"timezone": '},
    }
    server = RecordedServer(Script(ANSWER))
    server.next_scripts.append(Script(_sse({"tool_calls": [broken]}, finish="tool_calls")))
    try:
        result = run(server.url, "--yes", ASK, model="qwen3")
    finally:
        server.close()
    assert result.exit_code == 0, result.output
    called, answered = server.bodies[1]["messages"][-2:]
    # Sent back as the server returned it (its arguments text as a JSON string, which
    # servers that parse arguments accept), answered by its id.
    (call,) = called["tool_calls"]
    assert call["function"] == {
        "name": "time.get_current_time",
        "arguments": json.dumps('{"timezone": '),
    }
    assert answered["role"] == "tool" and answered["tool_call_id"] == call["id"]
    assert "not valid JSON" in answered["content"]


BROKEN_CALL = '{"name": "time.get_current_time", "arguments": {"timezone": }}'
UNKNOWN_CALL = '{"name": "time.get_weather", "arguments": {"city": "Paris"}}'


def test_every_result_answers_a_call_by_its_id_the_malformed_and_unknown_too():
    blocks = f"<tool_call>\n{BROKEN_CALL}\n</tool_call>\n<tool_call>\n{UNKNOWN_CALL}\n</tool_call>"
    written = _sse({"role": "assistant", "content": f"Trying.\n{blocks}"}, finish="stop")
    server = RecordedServer(Script(ANSWER))
    server.next_scripts.append(Script(written))
    try:
        result = run(server.url, "--yes", ASK, model="qwen3")
    finally:
        server.close()
    assert result.exit_code == 0, result.output
    called, *results = server.bodies[1]["messages"][-3:]
    assert called["content"] == "Trying."  # each block is a call, in the order written
    assert [c["function"] for c in called["tool_calls"]] == [
        {"name": "time.get_current_time", "arguments": json.dumps('{"timezone": }')},
        {"name": "time.get_weather", "arguments": '{"city": "Paris"}'},
    ]
    ids = [c["id"] for c in called["tool_calls"]]
    assert len(set(ids)) == 2 and [r["tool_call_id"] for r in results] == ids
    assert results[0]["content"].startswith("Error: the tool call is not valid JSON")
    assert results[1]["content"].startswith("Error: there is no tool 'time.get_weather'")


class BrokenCallFirst(ScriptedEngine):
    """Writes a call that is not JSON, then answers the error it is told."""

    def compose_reply(self, request):
        if request.messages[-1]["role"] == "user":
            return "", f"Let me check.\n<tool_call>\n{BROKEN_CALL}\n</tool_call>"
        return "", "That call was broken."


def test_through_serve_the_model_reads_its_malformed_call_as_it_wrote_it():
    engine = BrokenCallFirst()
    with scripted_server(engine) as client:
        result = run(str(client.base_url), "--yes", ASK)
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("Let me check.") and "That call was broken." in result.stdout
    first, second = engine.requests
    called, answered = second.messages[-2:]
    assert called["content"] == f"Let me check.\n<tool_call>\n{BROKEN_CALL}\n</tool_call>"
    assert answered["role"] == "tool" and "not valid JSON" in answered["content"]


def test_several_streamed_calls_become_blocks_in_their_order():
    def opening(index: int) -> dict:
        function = {"name": "time.get_current_time", "arguments": ""}
        call = {"index": index, "id": f"c{index}", "type": "function", "function": function}
        return {"tool_calls": [call]}

    def arguments(index: int, text: str) -> dict:
        return {"tool_calls": [{"index": index, "function": {"arguments": text}}]}

    stream = _sse(
        {"content": "Two lookups."},
        opening(0),
        arguments(0, '{"timezone": '),
        arguments(0, '"Asia/Tokyo"}'),
        opening(1),
        arguments(1, '{"timezone": "Europe/Paris"}'),
        finish="tool_calls",
    )
    server = RecordedServer(Script(stream))
    events = EngineEvents(OpenAIEngine(RemoteSpec(base_url=server.url, model="qwen3")))
    try:
        assert isinstance(events.loaded(), EngineReady)
        events.ask({"role": "user", "content": ASK})
        finished = events.until_finished()[-1]
    finally:
        events.close()
        server.close()
    assert finished.reason is FinishReason.STOP
    parser = ToolCallParser()
    pieces = [*parser.feed(TextDelta(Part.ANSWER, finished.answer)), *parser.finish()]
    assert [(c.name, c.arguments) for c in parser.calls] == [
        ("time.get_current_time", {"timezone": "Asia/Tokyo"}),
        ("time.get_current_time", {"timezone": "Europe/Paris"}),
    ]
    assert "".join(p.text for p in pieces if isinstance(p, TextDelta)).strip() == "Two lookups."
