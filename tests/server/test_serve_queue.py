"""One request at a time: others wait in a short queue, past it they get 429, and a client
that leaves mid-stream frees the engine for the next request at once."""

from __future__ import annotations

import json
import socket
import threading
import time

import openai

from qwen_tui.chat.messages import FinishReason
from qwen_tui.engine.scripted.demo_replies import compose_reply, count_tokens
from qwen_tui.sessions import SessionStore

USER = [{"role": "user", "content": "Hi"}]
SPEED = 40.0  # the slow server's tokens/s


def test_one_request_runs_one_waits_and_one_more_gets_429(slow_server):
    client = slow_server.client()
    running = client.chat.completions.create(model=slow_server.model, messages=USER, stream=True)
    chunks = iter(running)
    first_chunk = next(chunks)
    outcomes: dict[str, object] = {}

    def ask(name: str) -> None:
        try:
            outcomes[name] = slow_server.client().chat.completions.create(
                model=slow_server.model, messages=USER, max_tokens=3
            )
        except openai.RateLimitError as exc:
            outcomes[name] = exc

    threads = {name: threading.Thread(target=ask, args=(name,)) for name in ("b", "c")}
    for thread in threads.values():
        thread.start()
    deadline = time.monotonic() + 60
    while not any(isinstance(o, openai.RateLimitError) for o in outcomes.values()):
        assert time.monotonic() < deadline, f"no 429 while one ran and one waited: {outcomes}"
        time.sleep(0.05)
    [refused] = [o for o in outcomes.values() if isinstance(o, openai.RateLimitError)]
    assert refused.response.headers["retry-after"].isdigit()
    assert refused.body["code"] == "rate_limit_exceeded"
    ids = {c.id for c in chunks}  # the running reply streams to its end, its own chunks only
    assert ids == {first_chunk.id}
    for thread in threads.values():
        thread.join(60)
    [waited] = [o for o in outcomes.values() if not isinstance(o, openai.RateLimitError)]
    assert waited.choices[0].finish_reason == "length" and waited.id != first_chunk.id


def test_a_client_that_leaves_mid_stream_stops_its_reply_and_the_next_runs_at_once(slow_server):
    client = slow_server.client()
    question = "Tell me about strings, disconnect-marker"
    stream = client.chat.completions.create(
        model=slow_server.model, messages=[{"role": "user", "content": question}], stream=True
    )
    chunks = iter(stream)
    next(chunks), next(chunks)
    stream.close()  # the client goes away mid-reply
    left = time.monotonic()
    reply = client.chat.completions.create(model=slow_server.model, messages=USER, max_tokens=3)
    waited = time.monotonic() - left
    assert reply.choices[0].finish_reason == "length"
    thinking, answer = compose_reply(question)
    full_reply_s = (count_tokens(thinking) + count_tokens(answer)) / SPEED
    assert waited < full_reply_s / 3  # it did not wait for the rest of the first reply
    store = SessionStore(slow_server.data_dir / "sessions")
    [session] = [
        s
        for s in (store.load(i) for i in store.ids())
        if s.conversation.messages and s.conversation.messages[0].content == question
    ]
    stopped = session.conversation.messages[1]
    assert stopped.finish_reason is FinishReason.CANCELLED
    assert count_tokens(stopped.thinking + stopped.content) < count_tokens(thinking) / 2


def test_a_client_that_leaves_before_a_whole_reply_stops_it_too(slow_server):
    question = "Tell me about generators, leaving-marker"
    body = json.dumps({"messages": [{"role": "user", "content": question}]}).encode()
    with socket.create_connection(slow_server.address) as connection:
        connection.sendall(
            b"POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
            + f"Content-Length: {len(body)}\r\n\r\n".encode()
            + body
        )
        time.sleep(0.5)  # the reply has started (it takes seconds), then the client leaves
    reply = slow_server.client().chat.completions.create(
        model=slow_server.model, messages=USER, max_tokens=2
    )
    assert reply.choices[0].finish_reason == "length"
    store = SessionStore(slow_server.data_dir / "sessions")
    [session] = [
        s
        for s in (store.load(i) for i in store.ids())
        if s.conversation.messages and s.conversation.messages[0].content == question
    ]
    assert session.conversation.messages[1].finish_reason is FinishReason.CANCELLED
