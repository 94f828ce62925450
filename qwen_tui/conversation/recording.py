"""`SessionRecording`: the session file the conversation in use is written to.

Saving is best effort: a session file that cannot be written (a full disk, a broken
file) is one notice, then the chat goes on unrecorded rather than losing the turn.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, TypeVar

from qwen_tui.chat.messages import Conversation, Message
from qwen_tui.chat.tuning import TunedValue
from qwen_tui.config import Settings
from qwen_tui.engine.base import Engine
from qwen_tui.sessions import SessionError, SessionRecorder
from qwen_tui.sessions.timeline import Chunk

RecorderFactory = Callable[[Settings, Engine], SessionRecorder | None]
"""Opens the recorder of a conversation that starts now, with the settings and the engine
in use then (`/model` changes it); None saves nothing."""
T = TypeVar("T")


class SessionRecording:
    """The recorder of the conversation in use, if any, and guarded writes to it.

    `problem` is called with one line saying why when a write fails; recording then
    stops."""

    def __init__(self, factory: RecorderFactory | None, problem: Callable[[str], None]) -> None:
        self._factory = factory
        self._problem = problem
        self.recorder: SessionRecorder | None = None

    def start(self, settings: Settings, engine: Engine) -> None:
        """Close the current recorder; ask the factory for the one of the new conversation."""
        self.stop()
        factory = self._factory
        if factory is not None:
            self.recorder = self._guard(lambda: factory(settings, engine))

    def adopt(self, recorder: SessionRecorder | None) -> None:
        """Close the current recorder and write into `recorder` (opened on a saved session,
        its lock held) from now on."""
        self.stop()
        self.recorder = recorder

    def stop(self) -> None:
        """Close the recorder, releasing its session's lock."""
        if self.recorder is not None:
            self._guard(self.recorder.close)
            self.recorder = None

    def fork(self, conversation: Conversation) -> None:
        """Open the new session with where `conversation` was forked from and the history
        it copied, ahead of its first turn."""
        origin = conversation.forked_from
        recorder = self.recorder
        if origin is not None and recorder is not None:
            self._guard(lambda: recorder.note_fork(origin))
            self._write(lambda recorder: recorder.note_history(conversation.messages))

    def system_prompt(self, prompt: str) -> None:
        """Record a new system prompt."""
        self._write(lambda recorder: recorder.record_system_prompt(prompt))

    def tuned(self, name: str, value: TunedValue) -> None:
        """Record `/set NAME VALUE`."""
        self._write(lambda recorder: recorder.record_set(name, value))

    def untuned(self, name: str) -> None:
        """Record `/set NAME default`."""
        self._write(lambda recorder: recorder.record_reset(name))

    def model(self, settings: Settings, engine_name: str, model_name: str) -> None:
        """Record that the conversation goes on with another model (`/model`)."""
        self._write(
            lambda recorder: recorder.record_model(
                settings=settings, engine_name=engine_name, model_name=model_name
            )
        )

    def user(self, message: Message) -> None:
        """Write a message the user sent."""
        self._write(lambda recorder: recorder.record_user(message))

    def assistant(self, message: Message, timeline: list[Chunk]) -> None:
        """Write a finished (or stopped, or failed) reply with how it streamed."""
        self._write(lambda recorder: recorder.record_assistant(message, timeline))

    def tool(self, message: Message) -> None:
        """Write a tool call's result."""
        self._write(lambda recorder: recorder.record_tool(message))

    def regenerated(self) -> None:
        """Write that the last user message is answered again."""
        self._write(lambda recorder: recorder.record_regenerate())

    def reply_shown(self, turns_back: int, position: int) -> None:
        """Write which reply a user message shows now."""
        self._write(lambda recorder: recorder.record_reply_shown(turns_back, position))

    def tools(self, specs: Sequence[dict[str, Any]]) -> None:
        """Write the tools offered to the model from now on."""
        self._write(lambda recorder: recorder.record_tools(specs))

    def _write(self, write: Callable[[SessionRecorder], object]) -> None:
        # Looked up on each write: a failed one stops recording for the rest.
        recorder = self.recorder
        if recorder is not None:
            self._guard(lambda: write(recorder))

    def _guard(self, action: Callable[[], T]) -> T | None:
        """Run a session-file action; a failure is reported and recording stops."""
        try:
            return action()
        except (SessionError, OSError, ValueError) as exc:
            self._problem(str(exc))
            self.recorder = None
            return None
