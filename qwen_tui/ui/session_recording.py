"""`SessionRecording`: the session file the chat screen's conversation is written to.

Saving is best effort: a session file that cannot be written (a full disk, a broken
file) is one notice, then the chat goes on unrecorded rather than losing the turn.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, TypeVar

from qwen_tui.chat.messages import Message

if TYPE_CHECKING:
    from qwen_tui.sessions import SessionRecorder

RecorderFactory = Callable[[], "SessionRecorder | None"]
"""Opens the recorder of a conversation that starts now; None saves nothing."""
T = TypeVar("T")


class SessionRecording:
    """The recorder of the conversation on screen, if any, and guarded writes to it."""

    def __init__(self, factory: RecorderFactory | None, notify: Callable[..., object]) -> None:
        self._factory = factory
        self._notify = notify
        self.recorder: SessionRecorder | None = None

    def start(self) -> None:
        """Close the current recorder; ask the factory for the one of the new conversation."""
        self.stop()
        if self._factory is not None:
            self.recorder = self._guard(self._factory)

    def adopt(self, recorder: SessionRecorder) -> None:
        """Close the current recorder and write into `recorder` (opened on a saved session,
        its lock held) from now on."""
        self.stop()
        self.recorder = recorder

    def stop(self) -> None:
        """Close the recorder, releasing its session's lock."""
        if self.recorder is not None:
            self._guard(self.recorder.close)
            self.recorder = None

    def user(self, message: Message) -> None:
        """Write a message the user sent."""
        self._write(lambda recorder: recorder.record_user(message))

    def deltas(self, kind: str, parts: list[str]) -> None:
        """Write the pieces of thinking or answer text that streamed in, in order."""
        for part in parts:
            self._write(lambda recorder, part=part: recorder.record_delta(kind, part))

    def assistant(self, message: Message) -> None:
        """Write a finished (or stopped, or failed) reply."""
        self._write(lambda recorder: recorder.record_assistant(message))

    def _write(self, write: Callable[[SessionRecorder], object]) -> None:
        # Looked up on each write: a failed one stops recording for the rest.
        recorder = self.recorder
        if recorder is not None:
            self._guard(lambda: write(recorder))

    def _guard(self, action: Callable[[], T]) -> T | None:
        """Run a session-file action; a failure is a notice and recording stops."""
        from qwen_tui.sessions import SessionError

        try:
            return action()
        except (SessionError, OSError, ValueError) as exc:
            self._notify(
                f"Session not saved: {exc}", title="Sessions", severity="error", timeout=10
            )
            self.recorder = None
            return None
