"""Bad requests get the OpenAI error shape with the right status, and serve goes on serving;
with `--api-key` every /v1 request needs the key; another address needs one to start."""

from __future__ import annotations

import http.client
import json
import socket

import openai
import pytest
from typer.testing import CliRunner

from qwen_tui.cli import app
from tests.server.conftest import API_KEY

USER = [{"role": "user", "content": "Hi"}]


def raw_post(server, body: bytes, headers: dict[str, str] | None = None) -> tuple[int, dict]:
    """POST bytes as they are (the `openai` client only sends valid JSON)."""
    host, port = server.address
    connection = http.client.HTTPConnection(host, port, timeout=30)
    sent = {"Content-Type": "application/json"} | (headers or {})
    connection.request("POST", "/v1/chat/completions", body=body, headers=sent)
    response = connection.getresponse()
    status, payload = response.status, json.loads(response.read())
    connection.close()
    return status, payload


def error_of(status: int, payload: dict) -> dict:
    assert set(payload) == {"error"}
    error = payload["error"]
    assert set(error) == {"message", "type", "param", "code"} and "\n" not in error["message"]
    return error


@pytest.mark.parametrize(
    ("body", "param", "words"),
    [
        (b'{"messages": [{"role": "user", "content": "Hi"}', None, "not valid JSON"),
        (b'{"messages": "Hi"}', "messages", "valid list"),
        (b'{"messages": [{"role": "user", "content": "Hi"}], "temperature": "hot"}',
         "temperature", "valid number"),
        (b'{"messages": [{"role": "user", "content": "Hi"}], "top_p": 0}', "top_p", "greater"),
        (b'{"messages": [{"role": "user", "content": "Hi"}], "n": 2}', "n", "only n=1"),
        (b'{"messages": [{"role": "user", "content": "Hi"}], "logprobs": true}',
         "logprobs", "not supported"),
        (b'{"messages": [{"role": "tool", "content": "42"}]}', "messages", "need a user message"),
        (b'{"messages": [{"role": "robot", "content": "42"}]}', "messages.0.role", "'user'"),
        (b'{"messages": [{"role": "user", "content": "Hi"}, {"role": "assistant"}]}',
         "messages", "last message must be the user's"),
        (b'{"messages": []}', "messages", "at least 1"),
    ],
)  # fmt: skip
def test_malformed_requests_are_400_naming_the_field(demo_server, body, param, words):
    status, payload = raw_post(demo_server, body)
    error = error_of(status, payload)
    assert status == 400 and error["param"] == param and words in error["message"]
    assert error["type"] == "invalid_request_error"


def test_an_unknown_model_is_404(demo_server):
    with pytest.raises(openai.NotFoundError) as caught:
        demo_server.client().chat.completions.create(model="gpt-4o", messages=USER)
    error = caught.value.body
    assert error["code"] == "model_not_found" and demo_server.model in error["message"]


def test_a_body_over_the_limit_is_413(demo_server):
    status, payload = raw_post(demo_server, b'{"messages": "' + b"x" * (9 * 1024 * 1024) + b'"}')
    assert status == 413 and "limit" in error_of(status, payload)["message"]


def test_a_prompt_that_leaves_no_room_for_a_reply_is_400_with_the_numbers(demo_server):
    long_text = "word " * 45_000  # about 45,000 of the demo's tokens
    with pytest.raises(openai.BadRequestError) as caught:
        demo_server.client().chat.completions.create(
            model=demo_server.model, messages=[{"role": "user", "content": long_text}]
        )
    message = caught.value.body["message"]
    assert "40,960-token context" in message and "45,0" in message
    # One that leaves less than the 32,768 new tokens asked by default runs with fewer.
    fits = demo_server.client().chat.completions.create(
        model=demo_server.model, messages=[{"role": "user", "content": "word " * 39_000}]
    )
    assert fits.choices[0].message.content and fits.usage.prompt_tokens > 39_000


def test_after_every_refusal_the_server_still_answers(demo_server):
    raw_post(demo_server, b"{")
    reply = demo_server.client().chat.completions.create(model=demo_server.model, messages=USER)
    assert reply.choices[0].message.content


def test_with_a_key_every_v1_request_needs_it(keyed_server):
    for wrong in ("EMPTY", API_KEY + "x"):
        with pytest.raises(openai.AuthenticationError) as caught:
            keyed_server.client(api_key=wrong).chat.completions.create(
                model=keyed_server.model, messages=USER
            )
        assert caught.value.status_code == 401 and "Bearer" in caught.value.body["message"]
        with pytest.raises(openai.AuthenticationError):
            keyed_server.client(api_key=wrong).models.list()
    reply = keyed_server.client(api_key=API_KEY).chat.completions.create(
        model=keyed_server.model, messages=USER
    )
    assert reply.choices[0].message.content
    host, port = keyed_server.address
    connection = http.client.HTTPConnection(host, port, timeout=10)
    connection.request("GET", "/health")
    assert connection.getresponse().status == 200  # health needs no key, as in vLLM


def test_another_address_without_a_key_is_refused_before_starting():
    result = CliRunner().invoke(app, ["serve", "--engine", "demo", "--host", "0.0.0.0"])
    assert result.exit_code == 2
    [line] = result.stderr.strip().splitlines()
    assert "--host 0.0.0.0" in line and "--api-key" in line


def test_a_port_in_use_is_one_line():
    with socket.create_server(("127.0.0.1", 0)) as taken:
        port = str(taken.getsockname()[1])
        result = CliRunner().invoke(app, ["serve", "--engine", "demo", "--port", port])
    assert result.exit_code == 2
    [line] = result.stderr.strip().splitlines()
    assert f"cannot listen on 127.0.0.1:{port}" in line and "--port" in line
