"""Model and file text shown in a terminal: every control, C1 and bidi character becomes a
visible mark, in one piece or streamed in chunks cut anywhere; JSON keeps the exact text."""

from __future__ import annotations

import json

from hypothesis import given
from hypothesis import strategies as st
from markdown_it import MarkdownIt

from qwen_tui.chat.terminal_markdown import exact_code, with_visible_controls
from qwen_tui.chat.terminal_text import TerminalTextStream, json_for_terminal, visible_controls
from tests.hostile_text import FORBIDDEN, HOSTILE, SEQUENCES, assert_shown_safely, forbidden_in

# Text rich in what matters here: controls, C1, bidi, CR and LF, beside ordinary letters.
_RISKY = st.sampled_from(sorted(FORBIDDEN) + list("\r\n\t a;]\\[é好\u200d\U0001f600"))
risky_text = st.lists(st.one_of(_RISKY, st.characters()), max_size=60).map("".join)


def test_each_sequence_shows_as_visible_marks_and_drives_nothing():
    for name, sequence in SEQUENCES.items():
        shown = visible_controls(sequence)
        assert forbidden_in(shown) == [], name
        assert shown != sequence, name
    assert_shown_safely(visible_controls(HOSTILE))


def test_marks_name_what_was_there():
    assert visible_controls("a\x1b[31mb\x07\x00\x7f") == "a␛[31mb␇␀␡"
    assert visible_controls("\x9b\x9d\u202e\u2066\u200f\u061c") == (
        "<U+009B><U+009D><U+202E><U+2066><U+200F><U+061C>"
    )
    assert visible_controls("hidden\U000e0041\U000e0042") == "hidden<U+E0041><U+E0042>"


def test_newline_tab_and_ordinary_unicode_stay_as_they_are():
    text = "line one\n\tindented 好 é 👩\u200d💻 مرحبا\n"
    assert visible_controls(text) == text


def test_a_crlf_is_a_newline_and_a_lone_cr_cannot_overwrite_the_line():
    assert visible_controls("one\r\ntwo\r\n") == "one\ntwo\n"
    assert visible_controls("Approved\rDenied") == "Approved␍Denied"


@given(risky_text)
def test_nothing_forbidden_survives(text):
    shown = visible_controls(text)
    assert forbidden_in(shown) == []
    assert visible_controls(shown) == shown  # marks are text, not controls


@given(risky_text, st.lists(st.integers(0, 60), max_size=8))
def test_streamed_in_chunks_cut_anywhere_it_reads_as_the_whole(text, cuts):
    stream = TerminalTextStream()
    bounds = sorted({0, len(text), *(min(c, len(text)) for c in cuts)})
    pieces = [stream.write(text[a:b]) for a, b in zip(bounds, bounds[1:], strict=False)]
    pieces.append(stream.end())
    assert all(forbidden_in(piece) == [] for piece in pieces)
    assert "".join(pieces) == visible_controls(text)


def test_an_escape_sequence_split_between_deltas_stays_dead():
    stream = TerminalTextStream()
    shown = [stream.write(part) for part in ("Hi\x1b", "]2;PWN", "ED\x07", "\r", "\n")]
    assert "".join(shown) + stream.end() == "Hi␛]2;PWNED␇\n"


@given(st.lists(risky_text, max_size=3))
def test_json_keeps_the_exact_text_and_shows_only_printable_characters(texts):
    document = {"texts": texts, "key\x9b\u202e": texts[:1]}
    written = json_for_terminal(json.dumps(document, ensure_ascii=False, indent=2))
    assert forbidden_in(written) == []
    assert json.loads(written) == document


def test_plain_json_dumps_would_leave_c1_and_bidi_raw():
    # Why json_for_terminal exists: json.dumps escapes only C0 with ensure_ascii=False.
    raw = json.dumps({"a": "\x9b2J\u202e"}, ensure_ascii=False)
    assert forbidden_in(raw) != [] and forbidden_in(json_for_terminal(raw)) == []


def _rendered_text(source: str) -> str:
    parser = with_visible_controls(MarkdownIt("gfm-like"))
    texts = []
    for token in parser.parse(source):
        texts += [token.content, token.info, *map(str, token.attrs.values())]
        for child in token.children or []:
            texts += [child.content, *map(str, child.attrs.values())]
    return "".join(texts)


def test_markdown_cannot_decode_a_control_back_in():
    # markdown-it turns &#x202E; into a bidi override and %1B in an autolink into ESC.
    plain = MarkdownIt("gfm-like").parse("&#x202e; <http://x/%1b]2;T%07>")[1].children
    assert "\u202e" in plain[0].content and "\x1b" in plain[2].content
    source = "&#x202e; &rlm; <http://x/%1b]2;T%07>\n\n```py\x1b]2;x\x07\ncode\x9b\n```\n"
    rendered = _rendered_text(source + HOSTILE)
    assert forbidden_in(rendered) == []
    assert "<U+202E>" in rendered and "http://x/␛]2;T␇" in rendered


def test_a_code_block_keeps_its_exact_code_for_copying_beside_the_shown():
    parser = with_visible_controls(MarkdownIt("gfm-like"))
    fence, indented = (
        t for t in parser.parse("```sh\necho \x1b[2J\n\n```\n\n    tab\there\x07\n") if t.map
    )
    assert fence.content == "echo ␛[2J\n\n" and exact_code(fence) == "echo \x1b[2J"
    assert indented.type == "code_block" and exact_code(indented) == "tab\there\x07"
