"""Qwen3's `<tool_call>` blocks are found in a streamed reply however the chunks split it;
a broken block is an error result, never a crash; calls only thought about never run."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from qwen_tui.chat.parts import Part, TextDelta
from qwen_tui.chat.splitter import TextThinkingSplitter
from qwen_tui.tools import parsing
from qwen_tui.tools.calls import MalformedToolCall, ToolCall
from qwen_tui.tools.parsing import ToolCallParser

TOKYO = (
    '<tool_call>\n{"name": "time.get_current_time", "arguments": {"timezone": "Asia/Tokyo"}}'
    "\n</tool_call>"
)
CONVERT = (
    '<tool_call>\n{"name": "time.convert_time", "arguments": "{\\"time\\": \\"16:30\\"}"}'
    "\n</tool_call>"
)
BROKEN = '<tool_call>\n{"name": "time.get_current_time", "arguments": {"timezone": }\n</tool_call>'
REPLY = "Let me check.\n" + TOKYO + "\n" + CONVERT + "\n" + BROKEN + "\nDone, 東京 first."


def run(chunks: list[str]) -> tuple[str, list[object]]:
    """The answer text and the calls the parser makes of `chunks`."""
    parser = ToolCallParser()
    pieces = [p for c in chunks for p in parser.feed(TextDelta(Part.ANSWER, c))]
    pieces += parser.finish()
    text = "".join(p.text for p in pieces if isinstance(p, TextDelta))
    return text, [p for p in pieces if not isinstance(p, TextDelta)]


def test_several_calls_in_one_reply_with_the_text_around_them_kept():
    text, calls = run([REPLY])
    assert text == "Let me check.\n\n\n\nDone, 東京 first."
    assert calls[0] == ToolCall("time.get_current_time", {"timezone": "Asia/Tokyo"})
    assert calls[1] == ToolCall("time.convert_time", {"time": "16:30"})
    assert isinstance(calls[2], MalformedToolCall)
    assert calls[2].error.startswith("the tool call is not valid JSON (Expecting value")
    assert '"timezone": }' in calls[2].raw


@given(st.lists(st.integers(min_value=0, max_value=len(REPLY)), max_size=12))
def test_calls_split_at_any_chunk_boundary_parse_the_same(cuts):
    bounds = [0, *sorted(cuts), len(REPLY)]
    chunks = [REPLY[a:b] for a, b in zip(bounds, bounds[1:], strict=False)]
    assert run(chunks) == run([REPLY])


def test_a_call_split_one_character_at_a_time():
    assert run(list(TOKYO + "after")) == (
        "after",
        [ToolCall("time.get_current_time", {"timezone": "Asia/Tokyo"})],
    )


def test_text_that_only_looks_like_the_start_of_a_tag_is_released():
    parser = ToolCallParser()
    assert parser.feed(TextDelta(Part.ANSWER, "a <tool")) == [
        TextDelta(Part.ANSWER, "a ", tokens=0)
    ]
    assert parser.feed(TextDelta(Part.ANSWER, "box> b")) == [
        TextDelta(Part.ANSWER, "<toolbox> b", tokens=0)
    ]


def test_broken_blocks_become_error_results_that_say_what_is_wrong():
    cases = {
        "[1, 2]": 'the tool call must be a JSON object {"name": ..., ...}',
        '{"arguments": {}}': 'the tool call has no "name" string',
        '{"name": "t", "arguments": [1]}': 'the "arguments" of t must be a JSON object',
        '{"name": "t", "arguments": "{oops"}': 'the "arguments" of t are not valid JSON',
        "[" * 100_000: "the tool call's JSON is nested too deeply",
    }
    for body, error in cases.items():
        _, calls = run([f"<tool_call>{body}</tool_call>"])
        assert calls == [MalformedToolCall(body, error)], body
    assert run(['<tool_call>{"name": "t"}</tool_call>'])[1] == [ToolCall("t", {})]


def test_a_reply_that_ends_inside_a_call_is_an_error_not_a_hang():
    text, calls = run(['Sure. <tool_call>\n{"name": "time.get_'])
    assert text == "Sure. "
    assert calls == [
        MalformedToolCall('\n{"name": "time.get_', "the reply ended inside a tool call")
    ]


def test_a_runaway_block_is_reported_once_and_the_text_after_it_kept(monkeypatch):
    monkeypatch.setattr(parsing, "MAX_CALL_CHARS", 50)
    text, calls = run(["<tool_call>", "x" * 40, "y" * 40, "z" * 40, "</tool_call>after"])
    assert text == "after"
    assert len(calls) == 1 and calls[0].error == "the tool call is longer than 50 characters"


def test_calls_inside_the_thinking_are_not_run():
    reply = "<think>\nI could call " + TOKYO + " here.\n</think>\n\nIt is late in Tokyo."
    splitter, parser = TextThinkingSplitter(), ToolCallParser()
    pieces = []
    for i in range(0, len(reply), 7):
        for delta in splitter.feed(reply[i : i + 7]):
            pieces += parser.feed(delta)
    for delta in splitter.finish():
        pieces += parser.feed(delta)
    pieces += parser.finish()
    assert parser.calls == []
    thinking = "".join(
        p.text for p in pieces if isinstance(p, TextDelta) and p.part is Part.THINKING
    )
    answer = "".join(p.text for p in pieces if isinstance(p, TextDelta) and p.part is Part.ANSWER)
    assert TOKYO in thinking
    assert answer == "It is late in Tokyo."
