"""`RecorderSource`: the `recorder_factory` the UI calls to save what is typed.

The UI calls it when a conversation starts (and again for each new conversation); every
call closes the previous recorder and gives the next. The first call can hand over a
recorder opened beforehand (resume continues a session; replay starts one that links
back), later calls start fresh sessions.
"""

from __future__ import annotations

from qwen_tui.config import Settings
from qwen_tui.sessions.recorder import SessionRecorder
from qwen_tui.sessions.store import SessionStore


class RecorderSource:
    """Callable with no arguments, returning the recorder for the next conversation."""

    def __init__(
        self,
        store: SessionStore,
        settings: Settings,
        *,
        engine_name: str,
        model_name: str,
        first: SessionRecorder | None = None,
    ) -> None:
        self.store = store
        self.settings = settings
        self.engine_name = engine_name
        self.model_name = model_name
        self._first = first
        self.current: SessionRecorder | None = None

    def __call__(self) -> SessionRecorder:
        if self.current is not None:
            self.current.close()
        if self._first is not None:
            self.current, self._first = self._first, None
        else:
            self.current = self.store.create(
                self.settings, engine_name=self.engine_name, model_name=self.model_name
            )
        return self.current

    def close(self) -> None:
        """Close the recorder in use (and one handed over but never asked for)."""
        for recorder in (self.current, self._first):
            if recorder is not None:
                recorder.close()
        self.current = self._first = None
