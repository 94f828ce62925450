"""Which session file a conversation is recorded in, for every front-end.

A conversation starts a new session, continues a saved one (its lock held, its file read
once under the lock), or is not saved at all. The names a session records for its
engine and model come from `engine_identity`.
"""

from __future__ import annotations

from dataclasses import dataclass

from qwen_tui.chat.messages import Conversation
from qwen_tui.config import Settings
from qwen_tui.conversation.recording import RecorderFactory
from qwen_tui.engine.base import Engine
from qwen_tui.sessions import Session, SessionRecorder, SessionStore
from qwen_tui.sessions.replay import continued_settings


def engine_identity(settings: Settings, engine: Engine) -> tuple[str, str]:
    """The (engine, model) names a session's header and resume records hold: the engine's
    own model name once it knows it, else the configured model."""
    return engine.name, engine.model_name or settings.model


def new_sessions(store: SessionStore, *, first: SessionRecorder | None = None) -> RecorderFactory:
    """A factory giving each new conversation a new session, recorded with the settings
    and the engine in use when it starts. `first` is handed out on the first call instead
    (a session resumed or a replay already opened)."""
    handed: list[SessionRecorder] = [first] if first is not None else []

    def next_recorder(settings: Settings, engine: Engine) -> SessionRecorder:
        if handed:
            return handed.pop()
        engine_name, model_name = engine_identity(settings, engine)
        return store.create(settings, engine_name=engine_name, model_name=model_name)

    return next_recorder


@dataclass
class ContinuedSession:
    """A saved session opened to go on with: what it holds, its recorder (holding the
    lock) and the settings to chat with (the session's own system prompt)."""

    session: Session
    recorder: SessionRecorder
    settings: Settings

    @property
    def conversation(self) -> Conversation:
        return self.session.conversation

    def resumed_by(self, engine: Engine) -> ContinuedSession:
        """Record, before the next turn, that `engine` continues the session."""
        engine_name, model_name = engine_identity(self.settings, engine)
        self.recorder.note_resume(
            settings=self.settings, engine_name=engine_name, model_name=model_name
        )
        return self


def open_saved(store: SessionStore, session_id: str, settings: Settings) -> ContinuedSession:
    """Lock `session_id` and read it once, to continue it with `settings` (its own
    system prompt). Raises SessionLocked if another process writes it, SessionNotFound,
    SessionCorrupt or SessionTooNew otherwise, each with a one-line message."""
    recorder = store.open_for_append(session_id)
    try:
        session = store.load(session_id)
    except BaseException:
        recorder.close()
        raise
    return ContinuedSession(session, recorder, continued_settings(session, settings))


@dataclass
class CommandConversation:
    """The conversation a one-shot command (`run`) plans against and where it is saved."""

    conversation: Conversation
    recorder: SessionRecorder | None
    settings: Settings


def open_for_command(
    settings: Settings,
    engine: Engine,
    *,
    save: bool = True,
    resume: str | None = None,
    store: SessionStore | None = None,
) -> CommandConversation:
    """A new session by default, `resume`'s saved session continued, or nothing written
    (`save=False`). Raises SessionError (one line) if `resume` names no readable, free
    session."""
    store = store or SessionStore()
    if resume is not None:
        continued = open_saved(store, store.resolve(resume), settings).resumed_by(engine)
        return CommandConversation(continued.conversation, continued.recorder, continued.settings)
    recorder = new_sessions(store)(settings, engine) if save else None
    return CommandConversation(
        Conversation(system_prompt=settings.system_prompt), recorder, settings
    )
