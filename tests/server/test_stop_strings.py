"""A `stop` string ends the answer before it, even when it streams in pieces."""

from __future__ import annotations

from qwen_tui.server.stop_strings import StopStrings


def test_a_stop_string_split_across_pieces_is_never_shown():
    stops = StopStrings(["END", "###"])
    shown = [stops.feed(piece) for piece in ["The answer is 4", "2. E", "N", "D and more"]]
    assert "".join(shown) == "The answer is 42. " and stops.hit
    assert shown[1] == "2. " and shown[2] == ""  # "E" and "N" held back until decided


def test_text_that_only_looked_like_a_stop_string_comes_out():
    stops = StopStrings(["END"])
    shown = [stops.feed(piece) for piece in ["Pretend", " EN", "ough"]]
    assert "".join(shown) + stops.flush() == "Pretend ENough" and not stops.hit
    held = StopStrings(["END"])
    assert held.feed("last words E") == "last words " and held.flush() == "E"


def test_the_stop_string_that_starts_first_wins():
    assert StopStrings(["b", "abc"]).feed("xxabcd") == "xx"
    assert StopStrings(["abc", "x"]).feed("abx abc") == "ab"
