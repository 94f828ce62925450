"""Editing a past message and sending it: a fork of the conversation.

Sending user message N again, edited, goes on from there in a new session: the history
before message N (copied), then the edited message and the model's reply. The new
session records where it came from (a `fork` event, `ForkOrigin`); the session it was
forked from is never written to, so nothing in it is lost and it can still be resumed.
Editing the last message forks too: every edit is a fork, so the rule has no exception.

A fork waits for nothing: while a reply is under way, its tool calls run, a question
about the context is open or messages are queued, an edit is refused with one line
saying why (the queue would be dropped with the conversation it was meant for).

Numbers count the user messages as the chat shows them, from 1. When the oldest turns
were dropped to make room in the context (`TurnsDropped`), the chat still shows them:
`dropped` says how many of the shown messages left, so that the fork copies what the
model still reads, and its origin names the message by the number the session file has.
"""

from __future__ import annotations

from collections.abc import Sized
from dataclasses import replace
from typing import Protocol

from qwen_tui.chat.fork_origin import ForkOrigin
from qwen_tui.chat.messages import Conversation, Role
from qwen_tui.chat.turn_plan import plan_turn
from qwen_tui.config import Settings
from qwen_tui.engine.base import Engine

PLAYBACK = (
    "This is a recorded session played back; its messages cannot be edited. "
    "To go on with it, quit and run qwen-chat resume."
)
FAILED = "The engine failed to load, so an edited message could not be sent."
BUSY = "A reply is under way: wait for it to end (Esc stops it), then edit the message."
QUEUED = "Messages are waiting to be sent: edit one once they have gone out."
DROPPED = (
    "Message {number} has left the model's context (dropped to make room), so it cannot "
    "be edited here; open the session again (F4) to edit it."
)
NO_SUCH = "There is no message {number} to edit in this conversation."


class ForkingCore(Protocol):
    """What of the conversation core decides whether a message can be edited now."""

    @property
    def conversation(self) -> Conversation: ...

    @property
    def engine(self) -> Engine: ...

    @property
    def state(self) -> str: ...

    @property
    def busy(self) -> bool: ...

    @property
    def pending(self) -> Sized: ...


def why_not(core: ForkingCore, number: int, dropped: int = 0) -> str:
    """Why user message `number` cannot be edited and sent now; "" when it can."""
    if core.engine.playback is not None:
        return PLAYBACK
    if core.state == "failed":
        return FAILED
    if core.busy:
        return BUSY
    if len(core.pending):
        return QUEUED
    if 0 < number <= dropped:
        return DROPPED.format(number=number)
    if not 0 < number - dropped <= len(core.conversation.user_messages):
        return NO_SUCH.format(number=number)
    return ""


def fork_at(
    conversation: Conversation, number: int, session_id: str | None, dropped: int = 0
) -> Conversation:
    """The fork of `conversation` (saved as `session_id`, None if not saved) at user
    message `number`, as `why_not` allows: the messages before it, copied, and the
    origin. The edited message is not in it: it is sent as the fork's next turn."""
    users = [i for i, m in enumerate(conversation.messages) if m.role is Role.USER]
    cut = users[number - dropped - 1]
    # Copies: the conversation forked keeps its messages whatever happens to the fork's.
    history = [replace(message) for message in conversation.messages[:cut]]
    origin = ForkOrigin(session_id, number)
    return Conversation(conversation.system_prompt, history, forked_from=origin)


def thinking_of_edit(
    conversation: Conversation, number: int, settings: Settings, dropped: int = 0
) -> bool:
    """Whether message `number`, edited, runs with thinking unless it has a soft switch
    itself: the history before it decides (an earlier `/no_think` holds), as for any
    message sent."""
    return plan_turn(fork_at(conversation, number, None, dropped), "", settings).thinking
