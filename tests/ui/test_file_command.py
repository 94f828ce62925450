"""`/file PATH`: a text file put into the input as a fenced block, sent with the message;
what cannot be attached is one notice, and the command comes back to be put right."""

from __future__ import annotations

import pytest
from ui_harness import RecordingEngine, enter, make_app, ready, until_idle

from qwen_tui.config import Settings
from qwen_tui.ui.widgets.prompt_input import PromptInput

CODE = "def add(a, b):\n    return a + b\n"


@pytest.fixture
def in_tmp(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    return tmp_path


def _notices(app) -> list[str]:
    return [n.message for n in app._notifications]


def _prompt(app) -> PromptInput:
    return app.chat_screen.query_one(PromptInput)


async def test_a_file_goes_into_the_input_and_out_with_the_message(in_tmp):
    (in_tmp / "add.py").write_text(CODE, encoding="utf-8")
    engine = RecordingEngine()
    app = make_app(engine)
    async with app.run_test() as pilot:
        await ready(pilot)
        await enter(pilot, "/file add.py")
        block = "```add.py\ndef add(a, b):\n    return a + b\n```"
        assert _prompt(app).text == block
        assert "Attached add.py (2 lines); Enter sends it." in _notices(app)
        assert not engine.requests  # nothing is sent until Enter
        _prompt(app).insert("\n\nWhat does it do?")
        await pilot.press("enter")
        await until_idle(pilot)
        assert engine.requests[-1].messages[-1]["content"] == block + "\n\nWhat does it do?"


async def test_lines_after_the_command_stay_above_the_block(in_tmp):
    (in_tmp / "add.py").write_text(CODE, encoding="utf-8")
    app = make_app()
    async with app.run_test() as pilot:
        await ready(pilot)
        await enter(pilot, "/file add.py\nExplain this function.")
        assert _prompt(app).text.startswith("Explain this function.\n\n```add.py\ndef add")


async def test_a_files_control_characters_are_shown_as_marks(in_tmp):
    (in_tmp / "log.txt").write_text("plain \x1b]52;c;aGk=\x07 text\n", encoding="utf-8")
    app = make_app()
    async with app.run_test() as pilot:
        await ready(pilot)
        await enter(pilot, "/file log.txt")
        assert _prompt(app).text == "```log.txt\nplain ␛]52;c;aGk=␇ text\n```"


@pytest.mark.parametrize(
    ("name", "make", "says"),
    [
        ("missing.txt", lambda d: None, "No file 'missing.txt'"),
        ("folder", lambda d: (d / "folder").mkdir(), "a directory, not a regular file"),
        ("image.png", lambda d: (d / "image.png").write_bytes(b"\x89PNG\r\n\x1a\n\x00"), "binary"),
    ],
)
async def test_what_cannot_be_attached_is_a_notice_and_the_command_comes_back(
    in_tmp, name, make, says
):
    make(in_tmp)
    app = make_app()
    async with app.run_test() as pilot:
        await ready(pilot)
        await enter(pilot, f"/file {name}")
        assert _prompt(app).text == f"/file {name}"
        assert any(says in notice for notice in _notices(app))


async def test_a_file_over_the_configured_size_is_refused(in_tmp):
    (in_tmp / "big.txt").write_text("x" * 200, encoding="utf-8")
    app = make_app(settings=Settings(engine="demo", max_attachment_bytes=100))
    async with app.run_test() as pilot:
        await ready(pilot)
        await enter(pilot, "/file big.txt")
        assert _prompt(app).text == "/file big.txt"
        (notice,) = [n for n in _notices(app) if "big.txt" in n]
        assert "200 bytes, over the 100 bytes it may have" in notice
        assert "max_attachment_bytes in config.toml" in notice


async def test_a_file_with_more_tokens_than_the_context_has_left_is_refused(in_tmp):
    (in_tmp / "book.txt").write_text("word " * 1_500, encoding="utf-8")
    engine = RecordingEngine(context_limit=2_048)
    app = make_app(engine)
    async with app.run_test() as pilot:
        await ready(pilot)
        await enter(pilot, "/file book.txt")
        assert _prompt(app).text == "/file book.txt"
        (notice,) = [n for n in _notices(app) if "book.txt" in n]
        assert "tokens and the context has" in notice and "start a new conversation" in notice
        assert not engine.requests


async def test_the_palette_starts_the_command_above_what_is_typed():
    app = make_app()
    async with app.run_test() as pilot:
        await ready(pilot)
        await pilot.press(*"hello")
        (attach,) = [c for c in app.get_system_commands(app.screen) if c.title == "Attach a file"]
        attach.callback()
        await pilot.press(*"x.md")
        assert _prompt(app).text == "/file x.md\nhello"
