"""Regenerated replies in session files: every version is kept with its own figures and
timeline, the one shown comes back on load and resume, `sessions show` and `export` mark
them, `replay` sends each message once, `play` plays the versions as they were made, and
files without these lines (older ones) load as before."""

from __future__ import annotations

import json
from dataclasses import replace

import pytest
from typer.testing import CliRunner

from qwen_tui.chat.messages import FinishReason, GenerationStats, Message, Role
from qwen_tui.chat.parts import Part
from qwen_tui.cli import app
from qwen_tui.config import Settings
from qwen_tui.conversation.playback import playback_turns, played_steps
from qwen_tui.conversation.regenerating import AskAgain, ShowReply
from qwen_tui.engine.scripted.playback import PlaybackEngine
from qwen_tui.sessions import Chunk, SessionCorrupt, SessionStore
from qwen_tui.sessions.export import to_json, to_markdown
from qwen_tui.sessions.replay import replay_start, user_prompts
from qwen_tui.ui.app import ChatApp
from tests.sessions.helpers import assistant
from tests.ui.ui_harness import assistant_turns, until_idle, wait_for

runner = CliRunner()
QUESTION = "What is 6 × 7?"
VERSIONS = ("It is 42.", "Forty-two.", "Six times seven: **42**")


def reply(answer: str, tokens: int) -> Message:
    return replace(assistant(answer), stats=GenerationStats(20, tokens, 0.1, 50.0, 0.3))


def chunks(*pieces: str) -> list[Chunk]:
    return [Chunk(0.1 * n, Part.ANSWER, piece) for n, piece in enumerate(pieces)]


def record_regenerated(store: SessionStore, *, shown: int = 1, lines: tuple = ()) -> str:
    """A session as the chat writes it: the question answered three times (the second
    version chosen with ←), then one more exchange; `lines` are appended raw after it."""
    with store.create(Settings(), engine_name="demo", model_name="demo-model") as recorder:
        recorder.record_user(Message(Role.USER, QUESTION))
        for number, answer in enumerate(VERSIONS):
            if number:
                recorder.record_regenerate()
            recorder.record_assistant(reply(answer, 10 + number))
        recorder.record_reply_shown(0, shown)
        recorder.record_user(Message(Role.USER, "Thanks"))
        recorder.record_assistant(reply("You are welcome.", 5))
        session_id = recorder.session_id
    with store.path_for(session_id).open("a", encoding="utf-8") as file:
        file.writelines(line + "\n" for line in lines)
    return session_id


def test_every_version_loads_with_its_figures_and_the_chosen_one_shown(store):
    session = store.load(record_regenerated(store))
    first, shown, second, last = session.conversation.messages
    assert (first.content, shown.content, second.content) == (QUESTION, "Forty-two.", "Thanks")
    assert first.shown_reply == 1 and second.other_replies == []
    assert [[m.content for m in r] for r in first.other_replies] == [
        ["It is 42."],
        ["Six times seven: **42**"],
    ]
    assert [r[0].stats.generated_tokens for r in first.other_replies] == [10, 12]
    assert shown.stats.generated_tokens == 11 and last.content == "You are welcome."
    assert len(session.timelines) == 4 and session.turns == 2


def test_the_history_carries_only_the_version_shown(store):
    from qwen_tui.chat.history import template_messages

    session = store.load(record_regenerated(store, shown=2))
    sent = [m["content"] for m in template_messages(session.conversation)]
    assert sent == [QUESTION, VERSIONS[2], "Thanks", "You are welcome."]


def test_a_session_file_written_before_regenerating_existed_loads_as_before(store):
    session_id = "261128-0137-k3f9"
    old_lines = [
        {
            "type": "session",
            "schema": 1,
            "id": session_id,
            "created": "2026-11-28T01:37:00+00:00",
            "model": "demo-model",
            "engine": "demo",
            "settings": {"thinking": True},
            "replay_of": None,
            "app_version": "0.9.0",
        },
        {"type": "user", "at": "2026-11-28T01:37:05+00:00", "content": QUESTION},
        {
            "type": "assistant",
            "at": "2026-11-28T01:37:07+00:00",
            "thinking": "Six sevens.",
            "answer": "42.",
            "thinking_finished": True,
            "mode": None,
            "sampling": None,
            "finish_reason": "stop",
            "stats": None,
            "timeline": [[0.1, "t", 11], [0.4, "a", 3]],
        },
    ]
    path = store.path_for(session_id)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(json.dumps(line) + "\n" for line in old_lines), encoding="utf-8")
    session = store.load(session_id)
    user, answer = session.conversation.messages
    assert (user.content, answer.content, answer.thinking) == (QUESTION, "42.", "Six sevens.")
    assert user.other_replies == [] and user.shown_reply == 0
    assert [len(t) for t in session.timelines] == [2]
    assert "reply 1 of" not in runner.invoke(app, ["sessions", "show", session_id]).output
    assert '"reply"' not in to_json(session)


def test_a_regenerate_a_crash_left_last_changes_nothing(store):
    regenerate = json.dumps({"type": "regenerate", "at": "2026-11-28T01:40:00+00:00"})
    session = store.load(record_regenerated(store, lines=(regenerate,)))
    assert session.conversation.messages[-1].content == "You are welcome."
    assert session.conversation.messages[2].other_replies == []


def test_a_choice_naming_no_reply_is_ignored_and_a_malformed_one_is_damage(store):
    missing = json.dumps({"type": "reply_shown", "at": "x", "turns_back": 1, "reply": 9})
    session = store.load(record_regenerated(store, lines=(missing,)))
    assert session.conversation.messages[1].content == "Forty-two."
    malformed = json.dumps({"type": "reply_shown", "at": "x", "turns_back": "one", "reply": 1})
    broken = record_regenerated(store, lines=(malformed,))
    with pytest.raises(SessionCorrupt, match=r"line 11: malformed reply_shown event"):
        store.load(broken)


def test_an_earlier_version_continued_replaces_that_version_alone(store):
    with store.create(Settings(), engine_name="demo", model_name="demo-model") as recorder:
        recorder.record_user(Message(Role.USER, QUESTION))
        cut = replace(reply("It is", 3), finish_reason=FinishReason.CANCELLED)
        recorder.record_assistant(cut, chunks("It is"))
        recorder.record_regenerate()
        recorder.record_assistant(reply("Forty-two", 4), chunks("Forty", "-two"))
        recorder.record_reply_shown(0, 0)  # back to the cut-off one, then /continue
        whole = replace(reply("It is 42.", 5), continued=True)
        recorder.record_assistant(whole, chunks("It is", " 42", "."))
        session_id = recorder.session_id
    session = store.load(session_id)
    user, shown = session.conversation.messages
    assert shown.content == "It is 42." and user.shown_reply == 0
    assert [r[0].content for r in user.other_replies] == ["Forty-two"]
    assert [len(t) for t in session.timelines] == [3, 2]  # in the order the versions were made
    assert [turn.answer for turn in playback_turns(session)] == ["It is 42.", "Forty-two"]


def test_show_marks_each_version_in_the_order_they_were_made(store):
    result = runner.invoke(app, ["sessions", "show", record_regenerated(store)])
    assert result.exit_code == 0, result.output
    out = result.output
    marks = ["reply 1 of 3 (alternative)", "reply 2 of 3 (shown)", "reply 3 of 3 (alternative)"]
    places = [out.index(mark) for mark in marks]
    assert places == sorted(places)
    order = ["It is 42.", "Forty-two.", "Six times seven: 42", "Thanks"]
    assert [out.index(text) for text in order] == sorted(out.index(text) for text in order)
    assert out.count("reply ") == 3  # the one-reply exchange is not marked


def test_export_writes_every_version_marked(store):
    session = store.load(record_regenerated(store))
    markdown = to_markdown(session)
    assert markdown.index("*Reply 1 of 3 (alternative)*") < markdown.index("It is 42.")
    assert markdown.index("*Reply 2 of 3 (shown)*") < markdown.index("Forty-two.")
    assert markdown.count("*Reply ") == 3
    messages = json.loads(to_json(session))["messages"]
    assert [m["content"] for m in messages] == [QUESTION, *VERSIONS, "Thanks", "You are welcome."]
    assert [m.get("reply") for m in messages[1:4]] == [
        {"number": 1, "of": 3, "shown": False},
        {"number": 2, "of": 3, "shown": True},
        {"number": 3, "of": 3, "shown": False},
    ]
    assert "reply" not in messages[0] and "reply" not in messages[5]
    assert messages[2]["stats"]["generated_tokens"] == 11


def test_resume_brings_every_version_back_and_a_later_choice_is_kept(store, fake_ui, fast_demo):
    session_id = record_regenerated(store)

    def choose_the_last_version(kwargs):
        recorder = kwargs["recorder_factory"](kwargs["settings"], kwargs["engine"])
        recorder.record_reply_shown(1, 2)  # the first question, one turn back

    fake_ui.during = choose_the_last_version
    result = runner.invoke(app, ["resume", session_id, "--engine", "demo"])
    assert result.exit_code == 0, result.output
    resumed = fake_ui.calls[0]["conversation"]
    assert resumed.messages[0].shown_reply == 1 and len(resumed.messages[0].other_replies) == 2
    after = store.load(session_id).conversation.messages
    assert after[0].shown_reply == 2 and after[1].content == VERSIONS[2]


def test_replay_sends_each_message_once_and_play_each_version(store):
    session = store.load(record_regenerated(store))
    assert user_prompts(session) == [QUESTION, "Thanks"]
    assert played_steps(session) == [QUESTION, AskAgain(), AskAgain(), ShowReply(0, 1), "Thanks"]
    answers = [turn.answer for turn in playback_turns(session)]
    assert answers == [*VERSIONS, "You are welcome."]


async def test_play_shows_the_versions_as_they_were_made_then_the_one_chosen(store):
    session = store.load(record_regenerated(store))
    engine = PlaybackEngine(playback_turns(session, with_calls=True), 1000.0)
    shown_answers: list[str] = []
    chat = ChatApp(
        Settings(engine="demo"),
        engine=engine,
        conversation=replay_start(session),
        queued_prompts=played_steps(session),
        recorder_factory=lambda _settings, _engine: None,
    )
    async with chat.run_test() as pilot:
        await wait_for(pilot, lambda: len(chat.core.conversation.user_messages) == 2)
        await until_idle(pilot)
        shown_answers = [turn.answer.text for turn in assistant_turns(chat)]
        first = assistant_turns(chat)[0]
        assert str(first.choice.render()) == "◂ 2/3 ▸"
    assert shown_answers == ["Forty-two.", "You are welcome."]
    assert engine._next_turn == 4  # every recorded version was played
