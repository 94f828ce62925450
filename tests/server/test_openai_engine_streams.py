"""`--engine openai` against other servers' streams: thinking and answer come out apart
whichever way the server sends the thinking, and every failure is one line."""

from __future__ import annotations

import json
import re

import pytest

from qwen_tui.chat.messages import FinishReason
from qwen_tui.chat.parts import Part, TextDelta
from qwen_tui.engine.events import EngineError, EngineReady, GenerationFinished
from qwen_tui.engine.remote.engine import OpenAIEngine, RemoteSpec
from tests.server.engine_events import EngineEvents
from tests.server.recorded_server import RecordedServer, Script, recorded

THINKING = "The user asks for the capital of France.\nThat is Paris, so the answer is short."
ANSWER = "The capital of France is **Paris**."
USER = {"role": "user", "content": "Capital of France?"}


def _run(server: RecordedServer, *, timeout_s: float = 30.0) -> EngineEvents:
    spec = RemoteSpec(base_url=server.url, model="qwen3", timeout_s=timeout_s)
    return EngineEvents(OpenAIEngine(spec))


@pytest.fixture
def serve_script(request):
    servers: list[RecordedServer] = []
    runs: list[EngineEvents] = []

    def start(script: Script, **engine) -> tuple[RecordedServer, EngineEvents]:
        servers.append(RecordedServer(script))
        runs.append(_run(servers[-1], **engine))
        return servers[-1], runs[-1]

    yield start
    for run in runs:
        run.close()
    for server in servers:
        server.close()


def _text(events, part: Part) -> str:
    return "".join(e.text for e in events if isinstance(e, TextDelta) and e.part is part)


@pytest.mark.parametrize(
    "stream",
    [
        "vllm_reasoning.sse",
        "sglang_reasoning_content.sse",
        "llama_server_reasoning_content.sse",
        "llama_server_think_in_content.sse",
    ],
)
def test_thinking_and_answer_come_apart_from_each_servers_stream(serve_script, stream):
    _, run = serve_script(Script(recorded(stream)))
    assert isinstance(run.loaded(), EngineReady)
    run.ask(USER)
    events = run.until_finished()
    finished = events[-1]
    assert (finished.thinking, finished.answer) == (THINKING, ANSWER)
    assert (_text(events, Part.THINKING), _text(events, Part.ANSWER)) == (THINKING, ANSWER)
    assert finished.reason is FinishReason.STOP and finished.thinking_finished
    # The counts are the usage the server sent, not the chunks seen (tags and eos are tokens).
    assert (finished.stats.prompt_tokens, finished.stats.generated_tokens) == (17, 27)


def test_think_tags_split_across_chunks_are_found(serve_script):
    """A server that cuts its text anywhere, tags included, as some detokenizers do."""
    raw = "<think>\n" + THINKING + "\n</think>\n\n" + ANSWER
    pieces = [raw[i : i + 3] for i in range(0, len(raw), 3)]
    assert "</think>" not in pieces
    chunks = [{"index": 0, "delta": {"content": piece}, "finish_reason": None} for piece in pieces]
    chunks.append({"index": 0, "delta": {}, "finish_reason": "stop"})
    lines = [json.dumps({"choices": [chunk]}) for chunk in chunks]
    stream = "".join(f"data: {line}\n\n" for line in lines) + "data: [DONE]\n\n"
    _, run = serve_script(Script(stream.encode()))
    run.loaded()
    run.ask(USER)
    finished = run.until_finished()[-1]
    assert (finished.thinking, finished.answer) == (THINKING, ANSWER)
    assert finished.stats.generated_tokens == len(pieces)  # no usage sent: one per chunk


def test_the_hard_switch_and_sampling_go_as_the_servers_take_them(serve_script):
    server, run = serve_script(Script(recorded("vllm_reasoning.sse")))
    run.loaded()
    history = {"role": "assistant", "content": "Earlier answer."}
    run.ask(USER, history, {"role": "user", "content": "And Spain?"}, thinking=False)
    run.until_finished()
    [body] = server.bodies
    assert body["chat_template_kwargs"] == {"enable_thinking": False}
    assert body["messages"][1] == history  # the history as the conversation holds it
    assert (body["model"], body["stream"], body["stream_options"]) == (
        "qwen3",
        True,
        {"include_usage": True},
    )
    assert (body["temperature"], body["top_p"], body["top_k"], body["min_p"]) == (0.6, 0.95, 20, 0)
    assert body["presence_penalty"] == 1.5 and body["max_tokens"] == 64


def test_a_stream_cut_off_mid_reply_keeps_the_partial_reply_and_says_so(serve_script):
    stream = recorded("sglang_reasoning_content.sse")
    cut = stream.index(b'"content":" is"')  # inside the answer
    _, run = serve_script(Script(stream, cut_after=cut))
    run.loaded()
    run.ask(USER)
    events = run.until_finished()
    finished = events[-1]
    assert finished.reason is FinishReason.ERROR
    assert finished.thinking == THINKING and finished.answer == "The capital of France"
    [error] = [e for e in events if isinstance(e, EngineError)]
    assert "cut off" in error.message and "\n" not in error.message


def test_esc_closes_a_stream_that_stalls(serve_script):
    stream = recorded("vllm_reasoning.sse")
    _, run = serve_script(Script(stream, stall_after=stream.index(b"That")))
    run.loaded()
    run.ask(USER)
    first = run.events.get(timeout=10)
    assert isinstance(first, TextDelta)
    run.engine.cancel()
    finished = run.until_finished(timeout=10)[-1]
    assert isinstance(finished, GenerationFinished) and finished.reason is FinishReason.CANCELLED
    assert finished.thinking.startswith("The user asks")


def test_a_server_that_stops_answering_times_out_in_one_line(serve_script):
    _, run = serve_script(Script(recorded("vllm_reasoning.sse"), stall_after=0), timeout_s=0.5)
    run.loaded()
    run.ask(USER)
    events = run.until_finished()
    [error] = [e for e in events if isinstance(e, EngineError)]
    assert "did not answer in time" in error.message
    assert events[-1].reason is FinishReason.ERROR


@pytest.mark.parametrize(
    ("status", "headers", "expected"),
    [
        (429, {"Retry-After": "3"}, r"is busy \(429: too many requests\); try again in 3 s"),
        (401, {}, r"refused the API key \(401: bad key\); pass the right one with --api-key"),
        (400, {}, r"refused the request \(400: the prompt is too long\)"),
    ],
)
def test_refusals_are_one_line_naming_the_server(serve_script, status, headers, expected):
    message = {401: "bad key", 429: "too many requests", 400: "the prompt is too long"}[status]
    script = Script(status=status, error={"message": message, "type": "x"}, headers=headers)
    server, run = serve_script(script)
    run.loaded()
    run.ask(USER)
    events = run.until_finished()
    [error] = [e for e in events if isinstance(e, EngineError)]
    assert re.search(expected, error.message) and server.url.split("/")[2] in error.message
    assert events[-1].reason is FinishReason.ERROR


def test_a_model_the_server_lacks_fails_the_load_listing_what_it_has():
    server = RecordedServer(Script(), models=[{"id": "llama3"}, {"id": "qwen3:30b-a3b"}])
    run = EngineEvents(OpenAIEngine(RemoteSpec(base_url=server.url, model="Qwen/Qwen3-8B")))
    try:
        failed = run.loaded()
    finally:
        run.close()
        server.close()
    assert isinstance(failed, EngineError)
    assert "has no model 'Qwen/Qwen3-8B'; it serves 'llama3', 'qwen3:30b-a3b'" in failed.message


def test_vllms_max_model_len_is_the_context_limit(serve_script):
    server = RecordedServer(Script(), models=[{"id": "qwen3", "max_model_len": 131072}])
    run = _run(server)
    try:
        ready = run.loaded()
    finally:
        run.close()
        server.close()
    assert ready.context_limit == 131072 == run.engine.context_limit
    assert run.engine.name == server.url.split("/")[2]  # host:port, for the status bar
