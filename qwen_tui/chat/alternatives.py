"""A user message's replies: the one shown and the others made for it (regenerated).

A reply is every message that answered one user message: the assistant's, and in a tool
loop its calls' results and the replies after them, up to the next user message. The
conversation's `messages` hold the shown reply of each user message, so the history sent
to the model, `/copy` and `/continue` see only that one. The others wait on the user
message itself (`Message.other_replies`, in the order they were made), with the place of
the shown one among them all (`Message.shown_reply`): showing another swaps the two.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from qwen_tui.chat.messages import Conversation, Message, Role


@dataclass(frozen=True)
class ReplyPlace:
    """Which of its user message's replies a message belongs to: `number` of `count`
    (from 1), and whether that reply is the one shown."""

    number: int
    count: int
    shown: bool

    @property
    def label(self) -> str:
        """ "reply 2 of 3 (shown)", or "(alternative)" for one the history does not carry."""
        return f"reply {self.number} of {self.count} ({'shown' if self.shown else 'alternative'})"


def reply_count(user: Message) -> int:
    """How many replies `user` has had (1 when it was never regenerated)."""
    return len(user.other_replies) + 1


def reply_end(messages: list[Message], user_index: int) -> int:
    """The index just past the shown reply of the user message at `user_index`."""
    end = user_index + 1
    while end < len(messages) and messages[end].role is not Role.USER:
        end += 1
    return end


def user_index(conversation: Conversation, turns_back: int) -> int | None:
    """The index of the user message `turns_back` user messages before the last one
    (0: the last); None if the conversation holds no such message (it has been dropped
    from the context, or never was)."""
    users = [i for i, m in enumerate(conversation.messages) if m.role is Role.USER]
    if not 0 <= turns_back < len(users):
        return None
    return users[len(users) - 1 - turns_back]


def set_aside_last_reply(conversation: Conversation) -> Message | None:
    """Move the last user message's reply among its other replies, leaving the message
    last in the conversation, to be answered again; the new reply will be shown. The
    user message, or None if there is no reply to set aside."""
    messages = conversation.messages
    index = user_index(conversation, 0)
    if index is None or index == len(messages) - 1:
        return None
    user = messages[index]
    reply = messages[index + 1 :]
    del messages[index + 1 :]
    user.other_replies.insert(user.shown_reply, reply)
    user.shown_reply = len(user.other_replies)
    return user


def show_reply(conversation: Conversation, index: int, position: int) -> list[Message]:
    """Show the reply at `position` (from 0) of the user message at `index` in place of
    the one shown, and return it; ValueError for a position it does not have."""
    messages = conversation.messages
    user = messages[index]
    if not 0 <= position < reply_count(user):
        raise ValueError(f"reply {position + 1} of {reply_count(user)}")
    end = reply_end(messages, index)
    shown = messages[index + 1 : end]
    if position == user.shown_reply:
        return shown
    others = user.other_replies
    others.insert(user.shown_reply, shown)
    chosen = others.pop(position)
    messages[index + 1 : end] = chosen
    user.shown_reply = position
    return chosen


def placed_messages(conversation: Conversation) -> Iterator[tuple[Message, ReplyPlace | None]]:
    """Every message, the other replies included, in the order they were made: each user
    message, then each of its replies. A message of a user message's reply that has
    others comes with its `ReplyPlace`; every other message with None."""
    messages = conversation.messages
    index = 0
    while index < len(messages):
        user = messages[index]
        yield user, None
        end = reply_end(messages, index) if user.role is Role.USER else index + 1
        count = reply_count(user)
        if count == 1:
            yield from ((message, None) for message in messages[index + 1 : end])
        else:
            others = iter(user.other_replies)
            for position in range(count):
                shown = position == user.shown_reply
                reply = messages[index + 1 : end] if shown else next(others)
                place = ReplyPlace(position + 1, count, shown)
                yield from ((message, place) for message in reply)
        index = end


def messages_as_made(conversation: Conversation) -> list[Message]:
    """Every message, the other replies included, in the order they were made."""
    return [message for message, _ in placed_messages(conversation)]
