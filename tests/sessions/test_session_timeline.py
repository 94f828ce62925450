"""Playback timelines stay compact on disk and give back the text as it streamed."""

from __future__ import annotations

from qwen_tui.chat.parts import Part
from qwen_tui.sessions.timeline import Chunk, TimelineBuilder, decode_timeline, encode_timeline


class FakeClock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_deltas_within_a_bucket_merge_and_offsets_count_from_the_user_message():
    clock = FakeClock()
    builder = TimelineBuilder(clock)
    builder.start()
    clock.now += 0.5  # time to first token
    for piece in ["Let", " me", " think"]:
        builder.add(Part.THINKING, piece)
        clock.now += 0.01
    clock.now += 0.2
    builder.add(Part.THINKING, ".")
    builder.add(Part.ANSWER, "Hi")
    chunks = [(round(c.offset_s, 6), c.part, c.text) for c in builder.take()]
    assert chunks == [
        (0.5, Part.THINKING, "Let me think"),
        (0.73, Part.THINKING, "."),
        (0.73, Part.ANSWER, "Hi"),
    ]


def test_a_long_reply_keeps_few_entries_per_second():
    clock = FakeClock()
    builder = TimelineBuilder(clock)
    builder.start()
    for _ in range(1000):  # 1,000 tokens at 200 tok/s: five seconds
        builder.add(Part.ANSWER, "tok ")
        clock.now += 0.005
    chunks = builder.take()
    assert len(chunks) <= 5 / 0.05 + 1
    assert "".join(c.text for c in chunks) == "tok " * 1000


def test_on_disk_entries_hold_character_counts_not_the_text_again():
    chunks = [Chunk(0.4123, Part.THINKING, "abc"), Chunk(0.9, Part.ANSWER, "de")]
    raw = encode_timeline(chunks, "abc", "de")
    assert raw == [[0.41, "t", 3], [0.9, "a", 2]]
    assert decode_timeline(raw, "abc", "de") == [
        Chunk(0.41, Part.THINKING, "abc"),
        Chunk(0.9, Part.ANSWER, "de"),
    ]


def test_deltas_that_disagree_with_the_final_text_are_stored_verbatim():
    chunks = [Chunk(0.1, Part.ANSWER, "oops")]  # the splitter later moved it to the thinking
    raw = encode_timeline(chunks, "oops", "")
    assert raw == [[0.1, "a", "oops"]]
    assert decode_timeline(raw, "oops", "") == [Chunk(0.1, Part.ANSWER, "oops")]
