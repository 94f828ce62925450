"""PlaybackEngine streams recorded replies at their recorded pace, scaled by speed."""

from __future__ import annotations

import queue
import time

import pytest

from qwen_tui.chat.messages import FinishReason, GenerationStats
from qwen_tui.chat.parts import Part, TextDelta
from qwen_tui.chat.sampling import THINKING_PRESET
from qwen_tui.conversation.playback import playback_turns
from qwen_tui.engine.base import GenerationRequest
from qwen_tui.engine.events import EngineError, EngineReady, GenerationFinished
from qwen_tui.engine.scripted.playback import PlaybackEngine, PlaybackTurn
from qwen_tui.sessions.replay import estimated_timeline, user_prompts
from tests.sessions.helpers import record, sample_conversation

STATS = GenerationStats(10, 4, 0.1, 20.0, 0.45)
TURN = PlaybackTurn(
    chunks=[
        (0.0, Part.THINKING, "Hmm"),
        (0.15, Part.THINKING, ", ok"),
        (0.3, Part.ANSWER, "Hello"),
        (0.45, Part.ANSWER, " there"),
    ],
    thinking="Hmm, ok",
    answer="Hello there",
    stats=STATS,
)


def request(request_id: int = 1) -> GenerationRequest:
    return GenerationRequest(
        ({"role": "user", "content": "hi"},), True, THINKING_PRESET, 100, request_id
    )


def play(engine: PlaybackEngine, *requests: GenerationRequest, during=None):
    """Run requests (one by default); return [(seconds since its submit, event)]."""
    requests = requests or (request(),)
    events: queue.Queue = queue.Queue()
    engine.start(events.put)
    assert isinstance(events.get(timeout=5), EngineReady)
    timed = []
    try:
        for req in requests:
            started = time.monotonic()
            engine.submit(req)
            if during:
                during(engine)
            while True:
                event = events.get(timeout=10)
                timed.append((time.monotonic() - started, event))
                if isinstance(event, GenerationFinished):
                    break
    finally:
        engine.close()
    return timed


def test_replies_stream_as_recorded_then_finish_with_the_recorded_figures():
    timed = play(PlaybackEngine([TURN], speed=20))
    kinds = [e.part if isinstance(e, TextDelta) else type(e) for _, e in timed]
    assert kinds == [Part.THINKING, Part.THINKING, Part.ANSWER, Part.ANSWER, GenerationFinished]
    finished = timed[-1][1]
    assert (finished.thinking, finished.answer) == ("Hmm, ok", "Hello there")
    assert finished.reason is FinishReason.STOP and finished.stats == STATS


@pytest.mark.parametrize("speed", [1.0, 3.0])
def test_playback_timing_scales_with_speed(speed):
    timed = play(PlaybackEngine([TURN], speed=speed))
    last_delta_at = timed[-2][0]
    assert last_delta_at >= 0.45 / speed - 0.01
    assert last_delta_at < 0.45 / speed + 0.25  # generous for a busy CI machine
    answer_at = next(t for t, e in timed if isinstance(e, TextDelta) and e.part is Part.ANSWER)
    assert answer_at >= 0.3 / speed - 0.01


def test_pause_holds_the_stream_until_resumed():
    def pause_briefly(engine):
        time.sleep(0.05)
        engine.pause()
        assert engine.paused
        time.sleep(0.4)
        engine.resume()

    timed = play(PlaybackEngine([TURN], speed=1.0), request(), during=pause_briefly)
    # 0.45 s of recording plus about 0.4 s paused.
    assert timed[-2][0] >= 0.8


def test_cancel_stops_mid_reply_with_what_was_shown():
    timed = play(PlaybackEngine([TURN]), request(), during=lambda e: (time.sleep(0.2), e.cancel()))
    finished = timed[-1][1]
    assert finished.reason is FinishReason.CANCELLED
    assert finished.thinking == "Hmm, ok" and finished.answer == ""
    assert not finished.thinking_finished


def test_asking_for_more_replies_than_recorded_is_a_readable_error():
    timed = play(PlaybackEngine([TURN], speed=50), request(1), request(2))
    errors = [e for _, e in timed if isinstance(e, EngineError)]
    assert len(errors) == 1 and "only 1 replies" in errors[0].message
    assert timed[-1][1].reason is FinishReason.ERROR


def test_speed_must_be_positive():
    with pytest.raises(ValueError, match="speed"):
        PlaybackEngine([TURN], speed=0)


def test_a_saved_session_plays_back_what_was_streamed(store):
    session = store.load(record(store, sample_conversation()))
    turns = playback_turns(session)
    assert user_prompts(session) == ["What is 6 × 7? /think", "And in words? /no_think"]
    timed = play(PlaybackEngine(turns, speed=100), request(1), request(2))
    finished = [e for _, e in timed if isinstance(e, GenerationFinished)]
    assert [(f.thinking, f.answer) for f in finished] == [
        ("Six sevens: 7+7=14, ×3 = 42. 好.", "**42**"),
        ("", "Forty-two."),
    ]
    streamed = "".join(
        e.text
        for _, e in timed[: len(timed) // 2]
        if isinstance(e, TextDelta) and e.part is Part.ANSWER
    )
    assert "**42**" in streamed
    assert finished[1].reason is FinishReason.LENGTH


def test_a_reply_saved_without_timings_gets_an_estimated_pace():
    conversation = sample_conversation()
    reply = conversation.messages[1]
    chunks = estimated_timeline(reply)
    assert "".join(c.text for c in chunks if c.part is Part.THINKING) == reply.thinking
    assert "".join(c.text for c in chunks if c.part is Part.ANSWER) == reply.content
    offsets = [c.offset_s for c in chunks]
    assert offsets == sorted(offsets)
    assert offsets[0] == pytest.approx(reply.stats.time_to_first_token_s)
    assert offsets[-1] <= reply.stats.total_s


def test_the_played_thinking_counts_the_recorded_tokens_not_its_chunks():
    turn = PlaybackTurn(TURN.chunks, TURN.thinking, TURN.answer, stats=STATS, thinking_tokens=109)
    timed = play(PlaybackEngine([turn], speed=50))
    thinking = [e.tokens for _, e in timed if isinstance(e, TextDelta) and e.part is Part.THINKING]
    assert sum(thinking) == 109 and len(thinking) == 2


def test_the_playback_clock_stands_still_while_paused_and_runs_at_the_recording_s_pace():
    now = [100.0]
    engine = PlaybackEngine([TURN], speed=2.0, clock=lambda: now[0])
    start = engine.played_seconds()
    now[0] += 1.0
    assert engine.played_seconds() - start == pytest.approx(2.0)  # 1 s at twice the pace
    engine.pause()
    now[0] += 5.0
    assert engine.played_seconds() - start == pytest.approx(2.0)  # paused: no time passes
    engine.resume()
    now[0] += 0.5
    assert engine.played_seconds() - start == pytest.approx(3.0)


def test_a_recorded_thinking_token_count_reaches_playback(store):
    conversation = sample_conversation()
    conversation.messages[1].thinking_tokens = 12
    session = store.load(record(store, conversation))
    assert [t.thinking_tokens for t in playback_turns(session)] == [12, None]
