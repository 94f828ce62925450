"""`qwen-chat play ID [--speed X]`: play a saved session back as it was recorded."""

from __future__ import annotations

from typing import Annotated

import typer

from qwen_tui.commands.options import settings_from_flags
from qwen_tui.commands.session_helpers import SessionIdArg, fail, load_session, session_errors
from qwen_tui.commands.terminal import require_terminal
from qwen_tui.conversation.playback import playback_turns, played_steps, recorded_tools
from qwen_tui.engine.scripted.playback import PlaybackEngine
from qwen_tui.sessions import SessionStore
from qwen_tui.sessions.replay import continued_settings, replay_start


def play(
    session_id: SessionIdArg,
    speed: Annotated[
        float, typer.Option("--speed", "-s", help="Playback speed: 2 is twice as fast.")
    ] = 1.0,
) -> None:
    """Play a session back in the UI as recorded (Space pauses), with no model loaded."""
    if not speed > 0:
        raise fail(f"--speed must be above 0 (e.g. 2 for twice as fast), got {speed}")
    require_terminal(f"to read the session instead, use `qwen-chat sessions show {session_id}`")
    with session_errors():
        session = load_session(SessionStore(), session_id)
    turns = playback_turns(session, with_calls=True)  # the recorded results answer them
    if not turns:
        raise fail(f"session {session.id} has no replies to play")
    prompts = played_steps(session)  # with the regenerations, as they happened
    recorded_thinking = session.settings.get("thinking")
    settings = settings_from_flags(
        thinking=recorded_thinking if isinstance(recorded_thinking, bool) else None
    )
    settings = continued_settings(session, settings)
    engine = PlaybackEngine(turns, speed, model_name=session.model or "recorded session")
    from qwen_tui.ui.app import run_chat_app

    run_chat_app(
        settings,
        engine=engine,
        conversation=replay_start(session),
        queued_prompts=prompts,
        recorder_factory=lambda _settings, _engine: None,
        tools=lambda sink: recorded_tools(session, sink, speed),  # the calls as they happened
    )
