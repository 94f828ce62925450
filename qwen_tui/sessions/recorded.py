"""`RecordedConversation`: a conversation and the recorder that saves it, for code that
chats without the UI (`qwen-chat run`, `replay --print`).

`RecordedConversation.open` gives a command what its flags ask for: a new session by
default, a saved session continued (`resume`: the prompt is planned against its history
and appended to its file), or nothing written (`save=False`). The command calls `begin`,
passes every engine event to `on_event`, then calls `finish`.
"""

from __future__ import annotations

from qwen_tui.chat.messages import Conversation, Message
from qwen_tui.chat.turn_plan import TurnPlan
from qwen_tui.config import Settings
from qwen_tui.engine.base import AnswerDelta, Engine, EngineEvent, GenerationFinished, ThinkingDelta
from qwen_tui.sessions.recorder import SessionRecorder
from qwen_tui.sessions.records import engine_identity
from qwen_tui.sessions.store import SessionStore


class RecordedConversation:
    """The conversation a command plans against, and the recorder (or None) that saves it."""

    def __init__(self, conversation: Conversation, recorder: SessionRecorder | None) -> None:
        self.conversation = conversation
        self.recorder = recorder

    @classmethod
    def open(
        cls,
        settings: Settings,
        engine: Engine,
        *,
        save: bool = True,
        resume: str | None = None,
        store: SessionStore | None = None,
    ) -> RecordedConversation:
        """Raises SessionError (one line) if `resume` names no readable, free session."""
        store = store or SessionStore()
        engine_name, model_name = engine_identity(settings, engine)
        names = {"engine_name": engine_name, "model_name": model_name}
        if resume is None:
            recorder = store.create(settings, **names) if save else None
            return cls(Conversation(system_prompt=settings.system_prompt), recorder)
        session_id = store.resolve(resume)
        recorder = store.open_for_append(session_id, settings=settings, **names)
        try:
            conversation = store.load(session_id).conversation
        except BaseException:
            recorder.close()
            raise
        return cls(conversation, recorder)

    @property
    def session_id(self) -> str | None:
        return self.recorder.session_id if self.recorder else None

    def begin(self, prompt: str) -> None:
        """The prompt is being sent now."""
        user = self.conversation.add_user(prompt)
        if self.recorder:
            self.recorder.record_user(user)

    def on_event(self, event: EngineEvent) -> None:
        """Every engine event of the turn; keeps the streamed timeline."""
        if self.recorder and isinstance(event, ThinkingDelta | AnswerDelta):
            kind = "thinking" if isinstance(event, ThinkingDelta) else "answer"
            self.recorder.record_delta(kind, event.text)

    def finish(self, finished: GenerationFinished, plan: TurnPlan) -> Message:
        """The turn ended (however it ended): add and save the reply."""
        reply = self.conversation.add_assistant(
            finished.answer,
            finished.thinking,
            settings=plan.turn_settings(),
            finish_reason=finished.reason,
            stats=finished.stats,
            thinking_finished=finished.thinking_finished,
        )
        if self.recorder:
            self.recorder.record_assistant(reply)
        return reply

    def close(self) -> None:
        if self.recorder:
            self.recorder.close()
