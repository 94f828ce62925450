"""`qwen-chat serve --engine demo` as clients see it through the official `openai` client:
the reply's thinking apart from its answer, streaming and not, usage, the request fields."""

from __future__ import annotations

from qwen_tui.chat.model_card import DEFAULT_CONTEXT_LIMIT
from qwen_tui.engine.scripted.demo_replies import compose_reply
from qwen_tui.sessions import SessionStore

QUESTION = "How do I reverse a string in Python?"
THINKING, ANSWER = (part.strip("\n") for part in compose_reply(QUESTION))


def ask(server, content: str = QUESTION, **fields):
    return server.client().chat.completions.create(
        model=server.model, messages=[{"role": "user", "content": content}], **fields
    )


def streamed(server, content: str = QUESTION, **fields) -> list:
    return list(ask(server, content, stream=True, **fields))


def _joined(chunks, field: str) -> str:
    return "".join(getattr(c.choices[0].delta, field, None) or "" for c in chunks if c.choices)


def test_a_reply_carries_its_thinking_apart_from_its_answer(demo_server):
    reply = ask(demo_server)
    message = reply.choices[0].message
    assert message.content == ANSWER and "<think>" not in message.content
    assert message.reasoning_content == THINKING == message.reasoning
    assert reply.choices[0].finish_reason == "stop" and reply.model == demo_server.model
    usage = reply.usage
    assert usage.completion_tokens > 100
    assert usage.total_tokens == usage.prompt_tokens + usage.completion_tokens


def test_a_streamed_reply_is_the_same_reply_in_pieces_ending_with_done(demo_server):
    chunks = streamed(demo_server, stream_options={"include_usage": True})
    assert chunks[0].choices[0].delta.role == "assistant"
    assert _joined(chunks, "content") == ANSWER
    assert _joined(chunks, "reasoning_content") == THINKING == _joined(chunks, "reasoning")
    finishing = [c for c in chunks if c.choices and c.choices[0].finish_reason]
    assert [c.choices[0].finish_reason for c in finishing] == ["stop"]
    last = chunks[-1]
    assert last.choices == [] and last.usage.total_tokens == ask(demo_server).usage.total_tokens
    plain = streamed(demo_server)
    assert all(c.usage is None for c in plain)  # usage only when asked for


def test_the_hard_switch_and_the_soft_switch_turn_thinking_off(demo_server):
    off = ask(demo_server, extra_body={"chat_template_kwargs": {"enable_thinking": False}})
    assert off.choices[0].message.content == ANSWER
    assert off.choices[0].message.reasoning_content is None
    soft = ask(demo_server, QUESTION + " /no_think")
    assert soft.choices[0].message.reasoning_content is None
    assert soft.choices[0].message.content


def test_history_goes_to_the_model_without_its_thinking(demo_server):
    def prompt_tokens(assistant: dict) -> int:
        messages = [
            {"role": "system", "content": "Be brief."},
            {"role": "user", "content": "Hello"},
            assistant,
            {"role": "user", "content": QUESTION},
        ]
        reply = demo_server.client().chat.completions.create(
            model=demo_server.model, messages=messages, max_tokens=1
        )
        return reply.usage.prompt_tokens

    bare = prompt_tokens({"role": "assistant", "content": "Hi there."})
    long_thought = "I should greet them warmly and at length. " * 40
    assert bare == prompt_tokens(
        {"role": "assistant", "content": "Hi there.", "reasoning_content": long_thought}
    )
    assert bare == prompt_tokens({"role": "assistant", "content": "Hi there.", "reasoning": "x"})
    assert bare == prompt_tokens(
        {"role": "assistant", "content": f"<think>\n{long_thought}\n</think>\n\nHi there."}
    )


def test_max_tokens_ends_the_reply_with_length(demo_server):
    for field in ("max_tokens", "max_completion_tokens"):
        reply = ask(demo_server, **{field: 7})
        assert reply.choices[0].finish_reason == "length"
        assert reply.usage.completion_tokens == 7


def test_a_stop_string_ends_the_answer_before_it(demo_server):
    stop = "slice"
    cut = ANSWER[: ANSWER.index(stop)]
    reply = ask(demo_server, stop=[stop, "never appears"])
    assert reply.choices[0].message.content == cut
    assert reply.choices[0].finish_reason == "stop"
    chunks = streamed(demo_server, stop=stop)
    assert _joined(chunks, "content") == cut and stop not in _joined(chunks, "content")


def test_sampling_fields_and_unknown_fields_are_taken(demo_server):
    reply = ask(
        demo_server,
        temperature=0.2,
        top_p=0.5,
        presence_penalty=0.0,
        seed=7,
        extra_body={"top_k": 5, "min_p": 0.1, "repetition_penalty": 1.1, "some_new_field": 1},
    )
    assert reply.choices[0].message.content == ANSWER


def test_models_lists_the_model_with_its_context(demo_server):
    [model] = demo_server.client().models.list().data
    assert model.id == demo_server.model
    assert model.model_extra["max_model_len"] == DEFAULT_CONTEXT_LIMIT


def test_save_records_each_request_and_reply_as_a_session(demo_server):
    history = [
        {"role": "system", "content": "Answer in one line."},
        {"role": "user", "content": "Name a colour."},
        {"role": "assistant", "content": "Teal."},
        {"role": "user", "content": "Remember this one: saved-request-marker"},
    ]
    demo_server.client().chat.completions.create(model=demo_server.model, messages=history)
    store = SessionStore(demo_server.data_dir / "sessions")
    sessions = [store.load(i) for i in store.ids()]
    [session] = [
        s
        for s in sessions
        if any("saved-request-marker" in m.content for m in s.conversation.messages)
    ]
    messages = session.conversation.messages
    assert session.conversation.system_prompt == "Answer in one line."
    assert [m.content for m in messages[:3]] == [
        "Name a colour.",
        "Teal.",
        "Remember this one: saved-request-marker",
    ]
    assert messages[3].content and messages[3].finish_reason.value == "stop"
