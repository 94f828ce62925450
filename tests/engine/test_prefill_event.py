"""Before a reply streams, the local engine says it is reading the prompt and how long the
prompt is (the demo engine too); and the reply's time to the first token runs from the
request, not from the start of the decode loop."""

from __future__ import annotations

import math
import queue
import time

from qwen_tui.chat.parts import TextDelta
from qwen_tui.chat.sampling import THINKING_PRESET
from qwen_tui.engine.base import GenerationRequest
from qwen_tui.engine.events import EngineReady, GenerationFinished, PrefillStarted
from qwen_tui.engine.scripted.demo import DemoEngine
from tests.engine.tiny_models import EngineRun, chain_checkpoint, special_id, token_ids


def test_the_prompt_is_announced_before_the_first_delta(tmp_path):
    chain = [*token_ids("Paris."), special_id("<|im_end|>")]
    run = EngineRun(chain_checkpoint(tmp_path / "chain", chain))
    try:
        run.wait_ready()
        run.ask("What is the capital of France?", request_id=4)
        events = run.until_finished()
    finally:
        run.close()
    first_delta = next(i for i, e in enumerate(events) if isinstance(e, TextDelta))
    announced = [i for i, e in enumerate(events) if isinstance(e, PrefillStarted)]
    assert announced and announced[0] < first_delta
    event = events[announced[0]]
    messages = ({"role": "user", "content": "What is the capital of France?"},)
    assert event == PrefillStarted(4, run.engine.count_prompt_tokens(messages, False))
    assert events[-1].stats.prompt_tokens == event.prompt_tokens


def test_time_to_first_token_counts_the_work_before_the_prefill(tmp_path, monkeypatch):
    chain = [*token_ids("Paris."), special_id("<|im_end|>")]
    run = EngineRun(chain_checkpoint(tmp_path / "chain", chain))
    try:
        run.wait_ready()
        tokenizer = run.engine._loaded.tokenizer
        render = tokenizer.render

        def slow_render(*args, **kwargs):  # rendering a long history before the prefill
            time.sleep(0.3)
            return render(*args, **kwargs)

        monkeypatch.setattr(tokenizer, "render", slow_render)
        run.ask("What is the capital of France?")
        finished = run.until_finished()[-1]
    finally:
        run.close()
    assert finished.stats.time_to_first_token_s >= 0.3


def test_the_demo_engine_announces_its_prompt_too():
    engine = DemoEngine(tokens_per_s=math.inf, load_s=0)
    events: queue.Queue = queue.Queue()
    engine.start(events.put)
    try:
        while not isinstance(events.get(timeout=10), EngineReady):
            pass
        messages = ({"role": "user", "content": "Hello there"},)
        engine.submit(GenerationRequest(messages, True, THINKING_PRESET, 64, request_id=2))
        seen = []
        while not isinstance(event := events.get(timeout=10), GenerationFinished):
            seen.append(event)
    finally:
        engine.close()
    assert seen[0] == PrefillStarted(2, engine.count_prompt_tokens(messages, True))
