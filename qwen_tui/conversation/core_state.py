"""`CoreState`: the state `ConversationCore` holds, declared once for all of its parts.

The core is put together from mixins, one per responsibility (`core.py` lists them);
each reads and changes this state, and `ConversationCore.__init__` sets it. What is
derived from it alone (`busy`, `recorder`) is here too, so every part asks the same.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterator
from enum import StrEnum
from typing import TYPE_CHECKING

from qwen_tui.chat.messages import Conversation
from qwen_tui.config import Settings
from qwen_tui.conversation.live_turn import LiveTurn
from qwen_tui.conversation.outbox import Outbox
from qwen_tui.conversation.recording import SessionRecording
from qwen_tui.conversation.tool_loop import ToolLoop
from qwen_tui.conversation.updates import BudgetQuestion
from qwen_tui.engine.base import Engine
from qwen_tui.sessions import SessionRecorder

if TYPE_CHECKING:  # regenerating.py's mixin is one of the parts built on this state
    from qwen_tui.conversation.regenerating import QueuedStep


class EngineState(StrEnum):
    """The engine as the conversation knows it."""

    LOADING = "loading"
    READY = "ready"
    FAILED = "failed"


class CoreState(Outbox):
    """The conversation, its settings, the engine, the queue, the live turn and the loop."""

    engine: Engine
    settings: Settings
    """The one current copy of the settings: the hard switch and the system prompt
    change here, and each new session records them as they are when it starts."""
    conversation: Conversation
    state: EngineState
    load_error: str
    pending: deque[QueuedStep]
    """What waits to go out: messages, and `qwen-chat play`'s regenerations and choices."""
    live: LiveTurn | None
    """The turn whose reply streams now."""
    in_engine: int | None
    """The request the engine still works on (after a stop, until it has noticed)."""
    question: BudgetQuestion | None
    """The open question of how to make a message fit the context."""
    short_replies_ok: bool
    """The user chose a shorter reply once: from then on one is taken without asking."""
    recording: SessionRecording
    tool_loop: ToolLoop
    _request_ids: Iterator[int]

    @property
    def recorder(self) -> SessionRecorder | None:
        """The session this conversation is saved in, if any."""
        return self.recording.recorder

    @property
    def busy(self) -> bool:
        """A turn streams, the engine still works on one, its tool calls run or wait for
        the user, or a budget question is open."""
        return (
            self.in_engine is not None
            or self.live is not None
            or self.question is not None
            or self.tool_loop.busy
        )
