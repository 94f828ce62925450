"""The demo engine: Qwen3-style replies that honour the hard and soft thinking switches."""

from __future__ import annotations

import math
import queue
import time

import pytest

from qwen_tui.chat.messages import FinishReason
from qwen_tui.chat.parts import Part, TextDelta
from qwen_tui.chat.sampling import THINKING_PRESET
from qwen_tui.config import Settings
from qwen_tui.engine.base import GenerationRequest
from qwen_tui.engine.events import (
    EngineError,
    EngineReady,
    ErrorKind,
    GenerationFinished,
    LoadProgress,
)
from qwen_tui.engine.factory import create_engine
from qwen_tui.engine.scripted import demo_replies
from qwen_tui.engine.scripted.demo import DemoEngine
from qwen_tui.engine.thinking_budget import STOP_THINKING_TEXT


class Run:
    """A started engine whose events land in a queue."""

    def __init__(self, engine: DemoEngine) -> None:
        self.engine = engine
        self.events: queue.Queue = queue.Queue()
        engine.start(self.events.put)
        self.load_events = self._until(EngineReady)

    def ask(self, *texts: str, enable_thinking: bool = True, max_new_tokens: int = 32_768):
        messages = tuple({"role": "user", "content": text} for text in texts)
        self.engine.submit(
            GenerationRequest(messages, enable_thinking, THINKING_PRESET, max_new_tokens, 7)
        )
        return self._until(GenerationFinished)

    def _until(self, kind: type) -> list:
        seen = []
        while not isinstance(seen[-1] if seen else None, kind):
            seen.append(self.events.get(timeout=5))
        return seen


@pytest.fixture
def run():
    engine_run = Run(DemoEngine(tokens_per_s=math.inf, load_s=0))
    yield engine_run
    engine_run.engine.close()


def _texts(events, part: Part) -> str:
    return "".join(e.text for e in events if isinstance(e, TextDelta) and e.part is part)


def test_thinking_reply_streams_thinking_then_a_markdown_answer_with_code(run):
    events = run.ask("How do I reverse a string?")
    finished = events[-1]
    parts = [e.part for e in events if isinstance(e, TextDelta)]
    assert parts.index(Part.ANSWER) > parts.index(Part.THINKING)
    assert Part.THINKING not in parts[parts.index(Part.ANSWER) :]
    assert finished.reason is FinishReason.STOP
    assert "reverse a string" in finished.thinking
    assert "```python" in finished.answer and finished.answer.count("```") == 2
    assert _texts(events, Part.THINKING) == finished.thinking
    assert _texts(events, Part.ANSWER) == finished.answer
    assert all(e.request_id == 7 for e in events)


def test_no_think_soft_switch_gives_an_answer_without_thinking(run):
    finished = run.ask("Reverse a string /no_think")[-1]
    assert finished.thinking == "" and finished.answer.startswith("## ")


def test_latest_soft_switch_wins(run):
    finished = run.ask("hi /no_think", "now think about files /think")[-1]
    assert "files" in finished.thinking


def test_hard_switch_off_ignores_think(run):
    events = run.ask("files please /think", enable_thinking=False)
    assert not _texts(events, Part.THINKING)
    assert events[-1].thinking == "" and events[-1].answer


def test_same_request_gets_the_same_reply(run):
    first, second = run.ask("hello there")[-1], run.ask("hello there")[-1]
    assert (first.thinking, first.answer) == (second.thinking, second.answer)


def test_max_new_tokens_cuts_the_reply_inside_the_thinking(run):
    finished = run.ask("hello", max_new_tokens=10)[-1]
    assert finished.reason is FinishReason.LENGTH
    assert finished.stats.generated_tokens == 10
    assert finished.answer == "" and not finished.thinking_finished


def test_load_reports_progress_before_ready():
    engine_run = Run(DemoEngine(load_s=0.05))
    progress = [e for e in engine_run.load_events if isinstance(e, LoadProgress)]
    assert progress and progress[-1].done == progress[-1].total
    engine_run.engine.close()


def test_streams_at_the_configured_speed_and_cancels_mid_reply():
    engine_run = Run(DemoEngine(tokens_per_s=200, load_s=0))
    started = time.monotonic()
    finished = engine_run.ask("hello", max_new_tokens=30)[-1]
    assert time.monotonic() - started >= 29 / 200
    assert 100 < finished.stats.decode_tokens_per_s < 260

    messages = ({"role": "user", "content": "hello"},)
    engine_run.engine.submit(GenerationRequest(messages, True, THINKING_PRESET))
    while not isinstance(engine_run.events.get(timeout=5), TextDelta):
        pass
    engine_run.engine.cancel()
    finished = engine_run._until(GenerationFinished)[-1]
    assert finished.reason is FinishReason.CANCELLED
    assert 0 < finished.stats.generated_tokens < 50
    engine_run.engine.close()


def test_rejects_a_speed_of_zero():
    with pytest.raises(ValueError, match="tokens_per_s"):
        DemoEngine(tokens_per_s=0)


def small_context_run(limit: int) -> Run:
    return Run(DemoEngine(tokens_per_s=math.inf, load_s=0, context_limit=limit))


def test_a_prompt_longer_than_the_context_is_refused_like_the_local_engine():
    engine_run = small_context_run(50)
    events = engine_run.ask("word " * 60)
    [error] = [e for e in events if isinstance(e, EngineError)]
    assert error.kind is ErrorKind.CONTEXT_FULL and error.request_id == 7
    assert error.message.startswith("the prompt takes ")
    assert error.message.endswith(
        "tokens and the context holds 50; drop older turns or start a new conversation"
    )
    assert events[-1].reason is FinishReason.ERROR
    assert not any(isinstance(e, TextDelta) for e in events)
    engine_run.engine.close()


def test_a_reply_stops_where_the_context_ends():
    engine_run = small_context_run(60)
    finished = engine_run.ask("hello", max_new_tokens=1_000)[-1]
    assert finished.reason is FinishReason.LENGTH
    assert finished.stats.prompt_tokens + finished.stats.generated_tokens == 60
    engine_run.engine.close()


def test_the_demo_engine_gets_the_context_yarn_would_give_the_model():
    assert create_engine(Settings(engine="demo")).context_limit == 40_960
    assert create_engine(Settings(engine="demo", yarn_factor=4.0)).context_limit == 131_072


@pytest.mark.parametrize(
    ("question", "heading"),
    [
        ("如何在 Python 中反转一个字符串？", "## 反转字符串"),
        ("用生成器写一个斐波那契数列", "## 惰性的斐波那契数列"),
        ("怎么统计一个文件里的单词数？", "## 统计文件中的单词数"),
    ],
)
def test_a_question_in_chinese_gets_a_fitting_reply_in_chinese(run, question, heading):
    events = run.ask(question)
    thinking, answer = _texts(events, Part.THINKING), _texts(events, Part.ANSWER)
    assert answer.startswith(heading) and "演示引擎" in answer
    assert thinking.startswith(f"好的，用户写道：“{question}”")
    assert "Demo engine" not in answer + thinking


def test_chinese_text_streams_about_a_character_a_token_and_joins_back_exactly():
    text = "在 Python 中反转：text[::-1]。"
    pieces = demo_replies.split_tokens(text)
    assert "".join(pieces) == text
    assert pieces[:4] == ["在", " Python", " ", "中"]
    assert demo_replies.count_tokens("反转字符串") == 5


def test_the_demo_stops_thinking_at_the_budget_and_answers(run):
    messages = ({"role": "user", "content": "Explain recursion"},)
    full = demo_replies.compose_reply("Explain recursion", 0)
    run.engine.submit(GenerationRequest(messages, True, THINKING_PRESET, thinking_budget=6))
    events = run._until(GenerationFinished)
    finished = events[-1]
    kept = "".join(demo_replies.split_tokens(full[0])[:5])
    stop_words = STOP_THINKING_TEXT.partition("\n</think>")[0]
    assert finished.thinking == (kept + stop_words).strip()
    assert finished.answer == full[1] and _texts(events, Part.ANSWER) == full[1]
    assert finished.thinking_budget_reached
    unlimited = run.ask("Explain recursion")[-1]
    assert unlimited.thinking == full[0] and not unlimited.thinking_budget_reached


def test_the_demo_goes_on_with_a_cut_off_reply_from_where_it_stopped(run):
    from qwen_tui.chat.continuation import PartialReply

    thinking, answer = demo_replies.compose_reply("Explain recursion", 0)
    messages = ({"role": "user", "content": "Explain recursion"},)
    for partial in (
        PartialReply(thinking.strip("\n"), answer[:40], True),
        PartialReply(thinking.strip("\n")[:30], "", False),
    ):
        run.engine.submit(GenerationRequest(messages, True, THINKING_PRESET, continues=partial))
        events = run._until(GenerationFinished)
        finished = events[-1]
        assert (finished.thinking, finished.answer) == (thinking.strip("\n"), answer)
        assert partial.answer + _texts(events, Part.ANSWER) == answer
        assert finished.reason is FinishReason.STOP
