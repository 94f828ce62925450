"""A saved session's replies as the playback engine takes them (`qwen-chat play`), what
is sent to get them (each prompt, each regeneration), and its tool calls' recorded results
as a tool runner gives them back."""

from __future__ import annotations

from qwen_tui.chat.alternatives import messages_as_made, reply_count
from qwen_tui.chat.messages import FinishReason, Role
from qwen_tui.conversation.recorded_tools import RecordedToolRunner, recorded_calls
from qwen_tui.conversation.regenerating import AskAgain, QueuedStep, ShowReply
from qwen_tui.conversation.tool_replies import written_answer
from qwen_tui.conversation.tool_runner import ToolSink
from qwen_tui.engine.scripted.playback import PlaybackTurn
from qwen_tui.sessions import Session
from qwen_tui.sessions.replay import estimated_timeline


def playback_turns(session: Session, *, with_calls: bool = False) -> list[PlaybackTurn]:
    """Every recorded reply, in the order they were made (regenerated ones included),
    ready for `PlaybackEngine`; a failed one plays as an empty turn that ends with its
    error. `with_calls` ends each reply with its tool calls' blocks, for a core that
    gives them their results (`recorded_tools`); without, a reply is its text alone."""
    replies = [m for m in messages_as_made(session.conversation) if m.role is Role.ASSISTANT]
    return [
        PlaybackTurn(
            chunks=tuple(
                (c.offset_s, c.part, c.text) for c in (timeline or estimated_timeline(message))
            ),
            thinking=message.thinking,
            answer=written_answer(message) if with_calls else message.content,
            thinking_finished=message.thinking_finished,
            reason=message.finish_reason or FinishReason.STOP,
            stats=message.stats,
            thinking_tokens=message.thinking_tokens,
            thinking_budget_reached=message.thinking_budget_reached,
        )
        for message, timeline in zip(replies, session.timelines, strict=True)
    ]


def played_steps(session: Session) -> list[QueuedStep]:
    """What playback sends, so its replies come as they were made: each user message that
    got a recorded reply (as `answered_prompts`), a regeneration for each reply it had
    after the first, then the reply it shows, when that is not the last one made."""
    steps: list[QueuedStep] = []
    messages = session.conversation.messages
    for message, following in zip(messages, messages[1:], strict=False):
        if message.role is Role.USER and following.role is Role.ASSISTANT:
            count = reply_count(message)
            steps += [message.content, *[AskAgain()] * (count - 1)]
            if message.shown_reply != count - 1:
                steps.append(ShowReply(0, message.shown_reply))
    return steps


def recorded_tools(
    session: Session, sink: ToolSink, speed: float | None = None
) -> RecordedToolRunner | None:
    """The runner that gives the session's calls their recorded results (posted to
    `sink`, after their recorded time over `speed` if given); None without calls."""
    recorded = recorded_calls(messages_as_made(session.conversation))
    if not recorded:
        return None
    return RecordedToolRunner(recorded, session.tools, sink, speed=speed)
