"""What a `ConversationCore` tells its front-end to show, one small record each.

Every method of the core returns a list of these, in order. A front-end shows the ones
it has a place for (the chat UI all of them; `run` the streamed text, notices and the
end of the turn) and may ignore the rest.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from qwen_tui.chat.budget import Budget
from qwen_tui.chat.messages import Conversation, Message, ToolCallRecord
from qwen_tui.chat.parts import TextDelta
from qwen_tui.conversation.live_turn import LiveTurn
from qwen_tui.engine.events import EngineReady, LoadProgress


class Severity(StrEnum):
    INFO = "information"
    WARNING = "warning"
    ERROR = "error"


@dataclass(frozen=True)
class Notice:
    """One line for the user."""

    text: str
    severity: Severity = Severity.INFO
    title: str = ""


@dataclass(frozen=True)
class NotSaved:
    """The session file could not be written (`reason`); the chat goes on unrecorded."""

    reason: str


@dataclass(frozen=True)
class Loading:
    """The engine's load advanced."""

    progress: LoadProgress


@dataclass(frozen=True)
class Ready:
    """The engine is loaded; prompts go out from now on."""

    event: EngineReady


@dataclass(frozen=True)
class LoadFailed:
    """The engine could not load; nothing can be sent."""

    message: str


class QueueWait(StrEnum):
    """What a queued message waits for."""

    MODEL = "model"
    """The model is still loading."""
    REPLY = "reply"
    """The current reply (or one just stopped) is still in the engine."""
    QUESTION = "question"
    """The user's answer to the open context question."""


@dataclass(frozen=True)
class Queued:
    """`text` waits (`waiting` messages in all) until what `waits_for` says is over."""

    text: str
    waiting: int
    waits_for: QueueWait


@dataclass(frozen=True)
class Refused:
    """`text` was not sent: give it back to the user; `reason` (if any) says why."""

    text: str
    reason: str


@dataclass(frozen=True)
class BudgetQuestion:
    """`text` does not fit the context as it stands; the front-end must call
    `ConversationCore.answer_budget` with one of `choices` (or None, which gives the text
    back). `choices` holds only the ways out that work, and is empty for a message too
    long on its own: `budget.message` then says so."""

    text: str
    budget: Budget
    choices: tuple[BudgetChoice, ...]


@dataclass(frozen=True)
class TurnStarted:
    """`turn.prompt` went to the engine; its reply streams into `turn`."""

    turn: LiveTurn


@dataclass(frozen=True)
class TextStreamed:
    """More of `turn`'s reply."""

    turn: LiveTurn
    delta: TextDelta


@dataclass(frozen=True)
class ToolCallWritten:
    """The reply streaming in `turn` has just closed a `<tool_call>` block, `call` (maybe
    malformed). A front-end that passes calls on as they are written (`serve`'s stream)
    sends it now; the chat shows a reply's calls once it has ended (`ToolCallStarted`)."""

    turn: LiveTurn
    call: ToolCallRecord


@dataclass(frozen=True)
class TurnEnded:
    """`turn` ended; `message` is its reply as the conversation keeps it. `last_step` is
    False when the reply made tool calls the loop goes on with (their updates follow,
    then the next step's `TurnStarted`)."""

    turn: LiveTurn
    message: Message
    last_step: bool = True


@dataclass(frozen=True)
class ToolApprovalNeeded:
    """`call` (its `ToolCallStarted` came just before) waits for the user: the front-end
    asks, then calls `ConversationCore.answer_tool` with `Answer.ONCE`, `Answer.ALWAYS`
    (this tool, for the rest of the conversation) or `Answer.DENY`."""

    call: ToolCallRecord


@dataclass(frozen=True)
class ToolCallStarted:
    """`call`, of the reply that just ended, is being handled: its block appears."""

    call: ToolCallRecord


@dataclass(frozen=True)
class ToolCallEnded:
    """`call` has its result: `result_message` (`Role.TOOL`), what the model reads next;
    it ran for `seconds` (0 for a denied or malformed call, which never ran)."""

    call: ToolCallRecord
    result_message: Message
    seconds: float


@dataclass(frozen=True)
class ToolStepLimitReached:
    """The model asked for tools `limit` times in this turn (`max_tool_steps`): the last
    reply's calls were not run and the loop stopped."""

    limit: int


@dataclass(frozen=True)
class ToolLoopStopped:
    """The tool loop ended with no further model reply: `reason` says why (Esc while its
    calls ran or waited, no room left in the context, the engine failed). The turn is
    over, as after a `TurnEnded` with `last_step`."""

    reason: str


@dataclass(frozen=True)
class TurnsDropped:
    """The oldest `user_messages` user messages (and what followed each) left the context."""

    user_messages: int


@dataclass(frozen=True)
class ConversationChanged:
    """A different conversation is in use now (new, or a saved one continued);
    `conversation` is a copy of it as it was then, before any turn that follows."""

    conversation: Conversation


@dataclass(frozen=True)
class ModeChanged:
    """The hard switch was flipped; `thinking` is its new position."""

    thinking: bool


@dataclass(frozen=True)
class SystemPromptChanged:
    """`/system` set the system prompt of the turns that follow ("" for none)."""

    prompt: str


@dataclass(frozen=True)
class ReplyShown:
    """The user message `turns_back` user messages before the last one shows its reply
    `number` of `count` (from 1): `messages`, or (None) the reply that began streaming
    just before, made again."""

    turns_back: int
    number: int
    count: int
    messages: tuple[Message, ...] | None = None


class BudgetChoice(StrEnum):
    """The ways out of a turn that does not fit the context."""

    SHORTER = "shorter"
    """Send with the fewer new tokens that fit."""
    DROP = "drop"
    """Leave the oldest turns out of the model's context, then send."""
    NEW = "new"
    """Start a new conversation with this message."""


Update = (
    Notice
    | NotSaved
    | Loading
    | Ready
    | LoadFailed
    | Queued
    | Refused
    | BudgetQuestion
    | TurnStarted
    | TextStreamed
    | ToolCallWritten
    | TurnEnded
    | ToolApprovalNeeded
    | ToolCallStarted
    | ToolCallEnded
    | ToolStepLimitReached
    | ToolLoopStopped
    | TurnsDropped
    | ConversationChanged
    | ModeChanged
    | SystemPromptChanged
    | ReplyShown
)
