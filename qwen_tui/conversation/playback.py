"""A saved session's replies as the playback engine takes them (`qwen-chat play`)."""

from __future__ import annotations

from qwen_tui.chat.messages import FinishReason, Role
from qwen_tui.engine.scripted.playback import PlaybackTurn
from qwen_tui.sessions import Session
from qwen_tui.sessions.replay import estimated_timeline


def playback_turns(session: Session) -> list[PlaybackTurn]:
    """Every recorded reply, in order, ready for `PlaybackEngine`; a failed one plays
    as an empty turn that ends with its error."""
    replies = [m for m in session.conversation.messages if m.role is Role.ASSISTANT]
    return [
        PlaybackTurn(
            chunks=tuple(
                (c.offset_s, c.part, c.text) for c in (timeline or estimated_timeline(message))
            ),
            thinking=message.thinking,
            answer=message.content,
            thinking_finished=message.thinking_finished,
            reason=message.finish_reason or FinishReason.STOP,
            stats=message.stats,
            thinking_tokens=message.thinking_tokens,
            thinking_budget_reached=message.thinking_budget_reached,
        )
        for message, timeline in zip(replies, session.timelines, strict=True)
    ]
