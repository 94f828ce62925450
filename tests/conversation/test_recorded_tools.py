"""Recorded tool results given back (`replay --recorded-tools`, `play`): a call gets the
recorded result of the same call, else of the same tool, else an error saying none was
recorded; nothing runs, so nothing is asked."""

from __future__ import annotations

import queue

from qwen_tui.chat.messages import Message, Role, ToolCallRecord
from qwen_tui.conversation.recorded_tools import RecordedToolRunner, recorded_calls
from qwen_tui.tools.calls import ToolCall

TOKYO = ToolCallRecord("time.get_current_time", {"timezone": "Asia/Tokyo"})
LONDON = ToolCallRecord("time.get_current_time", {"timezone": "Europe/London"})
BROKEN = ToolCallRecord("", None, raw="{", error="not valid JSON")


def result(text: str, **flags) -> Message:
    return Message(Role.TOOL, text, tool_name="time.get_current_time", ran=True, **flags)


MESSAGES = [
    Message(Role.USER, "Times?"),
    Message(Role.ASSISTANT, "", tool_calls=(BROKEN, TOKYO, LONDON)),
    Message(Role.TOOL, "Error: not valid JSON", is_error=True),
    result("Tokyo: 03:00", seconds=0.2),
    result("London: 18:00"),
    Message(Role.ASSISTANT, "Done."),
]


def answers(runner: RecordedToolRunner, events: queue.Queue, *calls: ToolCall) -> list[str]:
    texts = []
    for number, call in enumerate(calls):
        runner.start(number, call)
        texts.append(events.get(timeout=5).result.text)
    return texts


def test_each_call_is_paired_with_the_result_that_answered_it():
    assert [(r.call, r.result.content) for r in recorded_calls(MESSAGES)] == [
        (TOKYO, "Tokyo: 03:00"),
        (LONDON, "London: 18:00"),
    ]


def test_the_same_call_gets_its_own_result_then_the_tools_others_then_none():
    events: queue.Queue = queue.Queue()
    runner = RecordedToolRunner(recorded_calls(MESSAGES), (), events.put)
    london = ToolCall("time.get_current_time", {"timezone": "Europe/London"})
    paris = ToolCall("time.get_current_time", {"timezone": "Europe/Paris"})
    assert answers(runner, events, london, paris, paris) == [
        "London: 18:00",
        "Tokyo: 03:00",
        "Error: no recorded result for time.get_current_time",
    ]


def test_a_session_that_recorded_no_tools_offers_bare_ones_named_after_its_calls():
    runner = RecordedToolRunner(recorded_calls(MESSAGES), (), lambda event: None)
    [spec] = runner.specs()
    assert spec["function"]["name"] == "time.get_current_time"
    assert runner.knows("time.get_current_time") and not runner.knows("time.convert_time")
    assert runner.asks is False
    assert runner.summary().servers == ("time",)
