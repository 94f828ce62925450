"""The text splitter on every shape a Qwen3 reply can take, fed as a remote engine feeds it."""

from __future__ import annotations

import pytest

from qwen_tui.chat.parts import TextDelta
from qwen_tui.chat.splitter import TextThinkingSplitter
from tests.chat.splitting import split_text


def test_tags_split_across_chunks():
    result = split_text(["<thi", "nk>", "\nLet me see.\n", "</th", "ink>", "\n\nIt is 4."])
    assert (result.thinking, result.answer) == ("Let me see.", "It is 4.")
    assert result.thinking_finished
    assert result.deltas == [TextDelta("thinking", "Let me see."), TextDelta("answer", "It is 4.")]


def test_one_character_at_a_time():
    text = "<think>\nWeigh both.\n</think>\n\nTake the train."
    result = split_text(list(text))
    assert (result.thinking, result.answer) == ("Weigh both.", "Take the train.")
    assert result.streamed("thinking") == "Weigh both."
    assert result.streamed("answer") == "Take the train."


def test_no_think_block_is_all_answer():
    result = split_text(["Paris is the ", "capital of France."])
    assert result.thinking == ""
    assert result.answer == "Paris is the capital of France."
    assert result.thinking_finished
    assert all(d.part == "answer" for d in result.deltas)


def test_answer_streams_before_the_reply_ends():
    splitter = TextThinkingSplitter()
    assert splitter.feed("Hello") == [TextDelta("answer", "Hello")]
    assert splitter.feed(", world") == [TextDelta("answer", ", world")]


def test_empty_think_block_gives_no_thinking():
    result = split_text(["<think>\n\n</think>\n\n", "Hi there."])
    assert (result.thinking, result.answer) == ("", "Hi there.")
    assert result.thinking_finished
    assert [d.part for d in result.deltas] == ["answer"]


def test_reply_cut_off_inside_thinking_is_all_thinking_and_unfinished():
    result = split_text(["<think>\nFirst, the ", "integral of x is"])
    assert result.thinking == "First, the integral of x is"
    assert result.answer == ""
    assert not result.thinking_finished


def test_cut_off_in_the_middle_of_the_closing_tag_keeps_the_text():
    result = split_text(["<think>\nalmost done</thi"])
    assert result.thinking == "almost done</thi"
    assert not result.thinking_finished


def test_newlines_around_tags_are_trimmed_like_the_model_card():
    raw = "\n<think>\n\nLine one.\n\nLine two.\n\n</think>\n\n\nAnswer.\n\nMore.\n\n"
    result = split_text([raw])
    assert result.thinking == "Line one.\n\nLine two."
    assert result.answer == "Answer.\n\nMore."


def test_only_newlines_are_trimmed_not_spaces():
    result = split_text(["<think>\n  indented\n</think>\n\n  - item"])
    assert (result.thinking, result.answer) == ("  indented", "  - item")


def test_trailing_newlines_wait_for_more_text_while_streaming():
    splitter = TextThinkingSplitter()
    assert splitter.feed("<think>\nabc\n") == [TextDelta("thinking", "abc")]
    assert splitter.feed("\n") == []
    assert splitter.feed("def\n") == [TextDelta("thinking", "\n\ndef")]
    assert splitter.feed("</think>\n\n") == []
    assert splitter.thinking == "abc\n\ndef"


def test_thinking_finished_follows_the_stream():
    splitter = TextThinkingSplitter()
    splitter.feed("<think>\nhmm")
    assert not splitter.thinking_finished
    splitter.feed("</think>")
    assert splitter.thinking_finished


def test_close_tag_without_open_tag_makes_earlier_text_thinking():
    result = split_text(["The user asks", " for 2+2.\n</think>\n\n4"])
    assert (result.thinking, result.answer) == ("The user asks for 2+2.", "4")
    assert result.thinking_finished
    assert result.relabelled, "the UI must know the streamed answer was really thinking"


def test_prompt_that_opens_the_block_streams_thinking_from_the_start():
    result = split_text(["The user asks", " for 2+2.\n</think>\n\n4"], starts_in_thinking=True)
    assert (result.thinking, result.answer) == ("The user asks for 2+2.", "4")
    assert result.streamed("thinking") == result.thinking
    assert result.streamed("answer") == result.answer
    assert not result.relabelled


def test_prompt_that_opens_the_block_and_reply_cut_off():
    result = split_text(["Still reasoning"], starts_in_thinking=True)
    assert (result.thinking, result.answer) == ("Still reasoning", "")
    assert not result.thinking_finished


def test_text_after_the_opening_tag_before_any_content():
    result = split_text(["<think>", "\n", "\n", "x", "</think>", "y"])
    assert (result.thinking, result.answer) == ("x", "y")


def test_tags_after_the_think_block_are_answer_text():
    result = split_text(["<think>a</think>Write </think> to close and <think> to open."])
    assert result.answer == "Write </think> to close and <think> to open."


def test_opening_tag_later_in_the_reply_is_answer_text():
    result = split_text(["Qwen marks thinking with <think>."])
    assert (result.thinking, result.answer) == ("", "Qwen marks thinking with <think>.")


def test_unfinished_tag_at_the_end_is_text():
    assert split_text(["<thi"]).answer == "<thi"
    assert split_text(["Compare a </thi"]).answer == "Compare a </thi"


def test_empty_reply():
    result = split_text([])
    assert (result.thinking, result.answer, result.deltas) == ("", "", [])


def test_deltas_of_one_feed_are_merged_and_never_empty():
    splitter = TextThinkingSplitter()
    deltas = splitter.feed("<think>a\nb</think>c")
    assert deltas == [TextDelta("thinking", "a\nb"), TextDelta("answer", "c")]


def test_feeding_a_finished_splitter_is_an_error():
    splitter = TextThinkingSplitter()
    splitter.feed("done")
    splitter.finish()
    assert splitter.finish() == []
    with pytest.raises(RuntimeError):
        splitter.feed("more")
