"""The tool loop in the conversation core, with the demo engine and real MCP servers over
stdio: a reply's calls are shown, asked about, run (or denied), their results go back to
the model, and the model answers from them; malformed and unknown calls, the step limit
and Esc end as the user would expect."""

from __future__ import annotations

import math
import queue
import sys
import time
from pathlib import Path

import pytest
from manual_engine import ManualEngine

from qwen_tui.chat.messages import FinishReason, Role, ToolCallRecord
from qwen_tui.config import Settings
from qwen_tui.conversation.blocking import BlockingChat
from qwen_tui.conversation.core import ConversationCore
from qwen_tui.conversation.hub_runner import HubToolRunner
from qwen_tui.conversation.tool_loop import ToolActivity
from qwen_tui.conversation.updates import (
    TextStreamed,
    ToolApprovalNeeded,
    ToolCallEnded,
    ToolCallStarted,
    ToolLoopStopped,
    ToolStepLimitReached,
    TurnEnded,
    TurnStarted,
)
from qwen_tui.engine.scripted.demo import DemoEngine
from qwen_tui.tool_settings import McpServer, ToolSettings
from qwen_tui.tools.approval import DENIED_TEXT, Answer
from qwen_tui.tools.hub import ToolHub

TEST_SERVER = str(Path(__file__).parents[1] / "tools" / "mcp_test_server.py")
SERVERS = (
    McpServer("time", sys.executable, ("-m", "mcp_server_time", "--local-timezone=UTC")),
    McpServer("testing", sys.executable, (TEST_SERVER,)),
)
TOKYO = ToolCallRecord("time.get_current_time", {"timezone": "Asia/Tokyo"})


@pytest.fixture(scope="module")
def hub():
    with ToolHub(ToolSettings(servers=SERVERS, call_timeout=5.0)) as running:
        yield running


def settings(**tools) -> Settings:
    return Settings(engine="demo", tools=ToolSettings(servers=SERVERS, **tools))


class Answers:
    """The user's answers to approval questions, in order; keeps what was asked."""

    def __init__(self, *answers: Answer) -> None:
        self.answers = list(answers)
        self.asked: list[ToolCallRecord] = []

    def __call__(self, call: ToolCallRecord) -> Answer:
        self.asked.append(call)
        return self.answers.pop(0)


def demo_chat(hub, answers: Answers, **tools) -> BlockingChat:
    events: queue.Queue = queue.Queue()
    engine = DemoEngine(tokens_per_s=math.inf, load_s=0)
    core = ConversationCore(engine, settings(**tools), tools=HubToolRunner(hub, events.put))
    chat = BlockingChat(core, decide=lambda q: None, approve=answers, events=events)
    chat.start()
    return chat


def of(kind, updates):
    return [u for u in updates if isinstance(u, kind)]


def test_an_approved_call_runs_and_the_model_answers_from_its_result(hub):
    answers = Answers(Answer.ONCE)
    chat = demo_chat(hub, answers)
    result = chat.send("What time is it now?")
    steps = of(TurnStarted, result.updates)
    assert [s.turn.step for s in steps] == [0, 1]
    assert answers.asked == [ToolCallRecord("time.get_current_time", {"timezone": "UTC"})]
    # The user never sees the call's JSON stream by: the block is shown as a call.
    streamed = "".join(u.delta.text for u in of(TextStreamed, result.updates))
    assert "<tool_call>" not in streamed and "Let me check." in streamed
    ended = of(ToolCallEnded, result.updates)
    assert len(ended) == 1 and ended[0].result_message.ran
    assert '"timezone": "UTC"' in ended[0].result_message.content
    # The model read the result: its answer quotes the tool.
    assert result.message.content.startswith("The tool says:")
    assert '"timezone": "UTC"' in result.message.content
    roles = [m.role for m in chat.core.conversation.messages]
    assert roles == [Role.USER, Role.ASSISTANT, Role.TOOL, Role.ASSISTANT]
    first = chat.core.conversation.messages[1]
    assert first.content == "Let me check." and first.tool_calls == tuple(answers.asked)
    chat.core.engine.close()


def test_the_tools_schemas_go_with_every_step_of_the_loop(hub):
    chat = demo_chat(hub, Answers(), allow=("time.get_current_time",))
    requests = []
    submit = chat.core.engine.submit
    chat.core.engine.submit = lambda request: requests.append(request) or submit(request)
    chat.send("What time is it now?")
    assert [len(r.tools) for r in requests] == [len(hub.tools)] * 2
    assert requests[1].messages[-1]["role"] == "tool"
    assert requests[1].messages[-2]["tool_calls"][0]["function"]["name"] == (
        "time.get_current_time"
    )
    chat.core.engine.close()


def test_allowed_in_config_runs_without_asking(hub):
    answers = Answers()
    chat = demo_chat(hub, answers, allow=("time.get_current_time",))
    result = chat.send("What time is it now?")
    assert answers.asked == [] and of(ToolCallEnded, result.updates)[0].result_message.ran
    chat.core.engine.close()


def test_a_denied_call_goes_back_to_the_model_as_its_result(hub):
    chat = demo_chat(hub, Answers(Answer.DENY))
    result = chat.send("What time is it now?")
    denied = of(ToolCallEnded, result.updates)[0].result_message
    assert (denied.content, denied.ran, denied.is_error) == (DENIED_TEXT, False, True)
    assert DENIED_TEXT in result.message.content  # the demo quotes what it was told
    chat.core.engine.close()


def test_once_asks_again_next_turn_always_does_not(hub):
    answers = Answers(Answer.ONCE, Answer.ALWAYS)
    chat = demo_chat(hub, answers)
    chat.send("What time is it now?")
    chat.send("And what time is it now?")
    chat.send("What time is it, once more?")
    assert len(answers.asked) == 2
    assert [m.ran for m in chat.core.conversation.messages if m.role is Role.TOOL] == [True] * 3
    chat.core.engine.close()


def test_always_holds_for_the_conversation_only(hub):
    answers = Answers(Answer.ALWAYS, Answer.DENY)
    chat = demo_chat(hub, answers)
    chat.send("What time is it now?")
    chat.core.new_conversation()
    chat.send("What time is it now?")
    assert len(answers.asked) == 2
    chat.core.engine.close()


def test_a_tool_that_raises_is_an_error_result_and_the_model_goes_on(hub):
    chat = demo_chat(hub, Answers(Answer.ONCE))
    result = chat.send("Why does fail happen?")
    failed = of(ToolCallEnded, result.updates)[0].result_message
    assert failed.is_error and failed.ran and failed.tool_name == "testing.fail"
    assert result.message.finish_reason is FinishReason.STOP
    chat.core.engine.close()


# -- by hand, with the manual engine: what the demo never writes --------------------------


def manual_core(hub, **tools):
    events: queue.Queue = queue.Queue()
    engine = ManualEngine()
    core = ConversationCore(engine, settings(**tools), tools=HubToolRunner(hub, events.put))
    core.handle(engine.ready())
    return engine, core, events


def reply(engine, core, answer: str) -> list:
    return core.handle(engine.finished(answer))


def test_malformed_and_unknown_calls_are_error_results_without_asking(hub):
    engine, core, _ = manual_core(hub)
    core.send("Do things")
    updates = reply(
        engine,
        core,
        'Trying.\n<tool_call>{"name": "time.get_current_time", </tool_call>\n'
        '<tool_call>{"name": "time.get_weather", "arguments": {}}</tool_call>',
    )
    assert not of(ToolApprovalNeeded, updates)
    results = [u.result_message for u in of(ToolCallEnded, updates)]
    assert results[0].content.startswith("Error: the tool call is not valid JSON")
    assert results[1].content.startswith("Error: there is no tool 'time.get_weather'")
    assert "time.get_current_time" in results[1].content
    assert not any(r.ran for r in results)
    # Both results went back at once: the next step is already in the engine.
    assert of(TurnStarted, updates)[0].turn.step == 1
    sent = engine.requests[-1].messages
    assert sent[-3]["content"].endswith('<tool_call>{"name": "time.get_current_time", </tool_call>')
    assert [m["role"] for m in sent[-2:]] == ["tool", "tool"]


def test_the_step_limit_stops_the_loop_and_says_so(hub):
    engine, core, events = manual_core(hub, max_tool_steps=2, allow=("testing.echo",))
    core.send("Echo forever")
    call = '<tool_call>{"name": "testing.echo", "arguments": {"text": "again"}}</tool_call>'
    for step in range(2):
        updates = reply(engine, core, call)
        assert of(TurnEnded, updates)[0].last_step is False
        updates = core.handle(events.get(timeout=10))
        assert of(TurnStarted, updates)[0].turn.step == step + 1
    updates = reply(engine, core, call)
    assert of(TurnEnded, updates)[0].last_step is True
    assert of(ToolStepLimitReached, updates) == [ToolStepLimitReached(2)]
    assert not of(ToolCallStarted, updates) and not core.busy
    assert len(engine.requests) == 3


def test_calls_inside_the_thinking_are_not_run(hub):
    engine, core, _ = manual_core(hub)
    core.send("Think about it")
    block = '<tool_call>{"name": "time.get_current_time", "arguments": {}}</tool_call>'
    updates = core.handle(engine.finished("No call needed.", thinking=f"Maybe {block}?"))
    assert of(TurnEnded, updates)[0].last_step and not of(ToolCallStarted, updates)


def test_esc_cancels_a_running_call_and_ends_the_turn(hub):
    engine, core, events = manual_core(hub, allow=("testing.sleep",))
    core.send("Sleep a while")
    started = time.monotonic()
    sleep = '{"name": "testing.sleep", "arguments": {"seconds": 30}}'
    updates = reply(engine, core, f"<tool_call>{sleep}</tool_call>")
    assert of(ToolCallStarted, updates) and core.busy
    updates = core.cancel()
    cancelled = of(ToolCallEnded, updates)[0].result_message
    assert cancelled.content == "Error: testing.sleep was cancelled by the user"
    assert of(ToolLoopStopped, updates) and not core.busy
    # The call really stopped: the runner's own result arrives at once, and changes nothing.
    late = events.get(timeout=5)
    assert time.monotonic() - started < 5
    assert core.handle(late) == [] and len(engine.requests) == 1
    # The next message goes out as usual.
    assert of(TurnStarted, core.send("Thanks"))


def test_esc_while_a_call_waits_for_approval_ends_the_turn(hub):
    engine, core, _ = manual_core(hub)
    core.send("What time is it?")
    updates = reply(engine, core, f"<tool_call>{TOKYO_JSON}</tool_call>")
    assert of(ToolApprovalNeeded, updates) == [ToolApprovalNeeded(TOKYO)]
    updates = core.cancel()
    assert of(ToolLoopStopped, updates) and not core.busy
    assert core.answer_tool(Answer.ONCE) == []  # the question is gone


TOKYO_JSON = '{"name": "time.get_current_time", "arguments": {"timezone": "Asia/Tokyo"}}'


def test_the_tool_activity_says_whether_a_call_waits_for_the_user_or_runs(hub):
    engine, core, events = manual_core(hub)
    core.send("What time is it?")
    assert core.tool_activity is ToolActivity.NONE  # a reply streams: no call yet
    reply(engine, core, f"<tool_call>{TOKYO_JSON}</tool_call>")
    assert core.tool_activity is ToolActivity.ASKING
    core.answer_tool(Answer.ONCE)
    assert core.tool_activity is ToolActivity.RUNNING
    updates = core.handle(events.get(timeout=10))
    assert of(TurnStarted, updates) and core.tool_activity is ToolActivity.NONE


def test_a_reply_cut_off_at_the_length_limit_runs_none_of_its_calls(hub):
    engine, core, _ = manual_core(hub, allow=("testing.echo",))
    core.send("Echo this")
    echo = '<tool_call>{"name": "testing.echo", "arguments": {"text": "hi"}}</tool_call>'
    updates = core.handle(engine.finished(echo, reason=FinishReason.LENGTH))
    assert of(TurnEnded, updates)[0].last_step and not of(ToolCallStarted, updates)
    assert not core.busy


def test_a_reply_to_tool_results_cut_off_cannot_be_continued(hub):
    engine, core, events = manual_core(hub, allow=("testing.echo",))
    engine.can_continue = True
    core.send("Echo this")
    reply(
        engine, core, '<tool_call>{"name": "testing.echo", "arguments": {"text": "hi"}}</tool_call>'
    )
    core.handle(events.get(timeout=10))
    core.handle(engine.finished("The echo sa", reason=FinishReason.LENGTH))
    [notice] = core.continue_reply()
    assert notice.text == "A reply to tool results cannot be continued; send a new message instead."


def test_a_cut_off_reply_with_calls_cannot_be_continued(hub):
    engine, core, _ = manual_core(hub)
    engine.can_continue = True
    core.send("Echo this")
    echo = '<tool_call>{"name": "testing.echo", "arguments": {"text": "hi"}}</tool_call>'
    core.handle(engine.finished(f"{echo} and the", reason=FinishReason.LENGTH))
    [notice] = core.continue_reply()
    assert notice.text.startswith("A reply that made tool calls cannot be continued")


def test_the_summary_names_the_tools_and_servers_on_offer(hub):
    _, core, _ = manual_core(hub)
    summary = core.tool_summary()
    assert summary.servers == ("time", "testing") and not summary.failures
    assert [t.qualified_name for t in summary.tools][:2] == [
        "time.get_current_time",
        "time.convert_time",
    ]
    assert ConversationCore(ManualEngine(), settings()).tool_summary().tools == ()
