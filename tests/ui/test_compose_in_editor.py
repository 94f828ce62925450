"""Ctrl+E: the message written in $EDITOR, with the terminal handed over, and back in the
input unsent; a missing or failing editor leaves the input as it was."""

from __future__ import annotations

import shlex
import sys

import pytest
from textual.drivers.headless_driver import HeadlessDriver
from ui_harness import RecordingEngine, make_app, ready, until_idle

from qwen_tui.engine.scripted.playback import PlaybackEngine, PlaybackTurn
from qwen_tui.ui.widgets.prompt_input import PromptInput

EDITOR_SCRIPT = """\
import pathlib, sys
path = pathlib.Path(sys.argv[-1])
before = path.read_text(encoding="utf-8")
path.write_text(f"{before} and more\\nfrom the editor \\x1b[2J\\n", encoding="utf-8")
sys.exit(int(sys.argv[1]) if len(sys.argv) > 2 else 0)
"""


@pytest.fixture
def suspendable(monkeypatch):
    """A headless driver that can hand the terminal over: `App.suspend` runs its real path
    (the driver's suspend and resume do nothing more under run_test)."""
    monkeypatch.setattr(HeadlessDriver, "can_suspend", property(lambda self: True))


def fake_editor(tmp_path, monkeypatch, *args: str) -> None:
    script = tmp_path / "editor.py"
    script.write_text(EDITOR_SCRIPT, encoding="utf-8")
    command = " ".join(shlex.quote(part) for part in (sys.executable, str(script), *args))
    monkeypatch.setenv("EDITOR", command)


def watch_handover(app) -> list[str]:
    """What the app does with the terminal, as it does it: "suspended", "resumed"."""
    handed_over: list[str] = []
    for signal, what in ((app.app_suspend_signal, "suspended"), (app.app_resume_signal, "resumed")):
        signal.subscribe(app, lambda _app, what=what: handed_over.append(what), immediate=True)
    return handed_over


def _notices(app) -> list[str]:
    return [n.message for n in app._notifications]


async def test_ctrl_e_edits_the_input_in_the_editor_and_does_not_send(
    tmp_path, monkeypatch, suspendable
):
    fake_editor(tmp_path, monkeypatch)
    engine = RecordingEngine()
    app = make_app(engine)
    async with app.run_test() as pilot:
        handed_over = watch_handover(app)
        await ready(pilot)
        await pilot.press(*"draft")
        await pilot.press("ctrl+e")
        await pilot.pause()
        prompt = app.chat_screen.query_one(PromptInput)
        # What the editor wrote, its control characters shown (and sent) as marks.
        assert prompt.text == "draft and more\nfrom the editor ␛[2J"
        assert handed_over == ["suspended", "resumed"]
        assert not engine.requests and not app.core.conversation.messages
        assert prompt.cursor_location == prompt.document.end


async def test_an_editor_that_fails_leaves_the_input_as_it_was(tmp_path, monkeypatch, suspendable):
    fake_editor(tmp_path, monkeypatch, "3")  # writes, then exits with status 3
    app = make_app()
    async with app.run_test() as pilot:
        await ready(pilot)
        await pilot.press(*"draft")
        await pilot.press("ctrl+e")
        await pilot.pause()
        assert app.chat_screen.query_one(PromptInput).text == "draft"
        assert "The editor exited with status 3; the message is unchanged." in _notices(app)


async def test_a_missing_editor_is_one_notice_and_nothing_is_suspended(monkeypatch, suspendable):
    monkeypatch.setenv("EDITOR", "no-such-editor-anywhere --wait")
    app = make_app()
    async with app.run_test() as pilot:
        handed_over = watch_handover(app)
        await ready(pilot)
        await pilot.press(*"draft")
        await pilot.press("ctrl+e")
        await pilot.pause()
        assert app.chat_screen.query_one(PromptInput).text == "draft"
        assert not handed_over
        (notice,) = [n for n in _notices(app) if "no-such-editor-anywhere" in n]
        assert "set EDITOR to an editor you have" in notice and "\n" not in notice


async def test_a_terminal_that_cannot_be_handed_over_says_so(tmp_path, monkeypatch):
    fake_editor(tmp_path, monkeypatch)
    app = make_app()
    async with app.run_test() as pilot:  # run_test's own driver cannot suspend
        await ready(pilot)
        await pilot.press(*"draft")
        await pilot.press("ctrl+e")
        await pilot.pause()
        assert app.chat_screen.query_one(PromptInput).text == "draft"
        assert any("cannot be handed to an editor" in n for n in _notices(app))


async def test_ctrl_e_does_nothing_in_a_played_back_session(tmp_path, monkeypatch, suspendable):
    fake_editor(tmp_path, monkeypatch)
    turn = PlaybackTurn(chunks=[(0.0, "answer", "Recorded.")], thinking="", answer="Recorded.")
    app = make_app(PlaybackEngine([turn]), queued_prompts=("recorded question",))
    async with app.run_test() as pilot:
        handed_over = watch_handover(app)
        await until_idle(pilot)
        await pilot.press("ctrl+e")
        await pilot.pause()
        assert app.chat_screen.query_one(PromptInput).text == "" and not handed_over
        titles = {c.title for c in app.get_system_commands(app.screen)}
        assert "Write the message in your editor" not in titles
