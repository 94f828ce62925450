"""What replay and playback take from a saved session.

Replay sends the session's user turns through a model again; playback streams its
recorded replies as they were. A reply saved without a timeline (written by a tool that
did not stream) gets an estimated one from its recorded timings, so it still plays.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import replace

from qwen_tui.chat.messages import Conversation, Message, Role
from qwen_tui.chat.parts import Part
from qwen_tui.config import ENGINES, Settings
from qwen_tui.sessions.session import Session
from qwen_tui.sessions.timeline import BUCKET_S, Chunk

_ESTIMATED_CHARS_PER_S = 200.0  # about 50 tokens/s when a reply has no recorded timings


def user_prompts(session: Session) -> list[str]:
    """The user's messages, in order: what a replay sends again. A turn whose reply failed
    or was lost in a crash is sent again too: it is a question the user asked."""
    return [m.content for m in session.conversation.user_messages]


def answered_prompts(session: Session) -> list[str]:
    """The user's messages that got a recorded reply (failed ones included), in order:
    what playback sends, one per entry of `playback_turns`. A message left without a reply
    by a crash has nothing to play, so it is skipped rather than paired with a later reply."""
    messages = session.conversation.messages
    return [
        message.content
        for message, following in zip(messages, messages[1:], strict=False)
        if message.role is Role.USER and following.role is Role.ASSISTANT
    ]


def replay_start(session: Session, flagged: Collection[str] = ()) -> Conversation:
    """The empty conversation a replay or playback begins with: the session's system prompt
    and the values `/set` left set in it, but those named in `flagged` (the replay's own
    flags give them: a value asked for on the command line wins)."""
    tuning = session.conversation.tuning
    for name in flagged:
        tuning = tuning.without(name)
    return Conversation(system_prompt=session.conversation.system_prompt, tuning=tuning)


def continued_settings(session: Session, settings: Settings) -> Settings:
    """`settings` for a run that continues or replays `session`: its system prompt is the
    session's, so the new file's header records the prompt the conversation really has."""
    return replace(settings, system_prompt=session.conversation.system_prompt)


def recorded_engine(session: Session) -> tuple[str | None, str | None, str | None]:
    """The engine, model and server address `session` last ran with (its last resume
    event, else its header), each None where the file names none a run can use again."""
    last = session.resumed_with or {"engine": session.engine, "settings": session.settings}
    settings = last.get("settings") or {}
    # The engine that ran is named in the event itself; a server's engine is named by its
    # address, so for it the settings' kind ("openai") tells.
    kind = last.get("engine")
    if kind not in ENGINES:
        kind = settings.get("engine") if settings.get("engine") in ENGINES else None
    model = settings.get("model")
    if not isinstance(model, str) or not model.strip():
        model = None
    base_url = settings.get("base_url") if kind == "openai" else None
    return kind, model, base_url if isinstance(base_url, str) else None


def estimated_timeline(message: Message) -> list[Chunk]:
    """A timeline for a reply saved without one: after its time to first token, the text
    streams evenly over its recorded duration (or at a typical pace)."""
    text = message.thinking + message.content
    if not text:
        return []
    stats = message.stats
    start = stats.time_to_first_token_s if stats else 0.0
    duration = (stats.total_s - start) if stats else 0.0
    if duration <= 0:
        duration = len(text) / _ESTIMATED_CHARS_PER_S
    chars_per_chunk = max(1, round(len(text) * BUCKET_S / duration))
    chunks = []
    for part, part_text, first in (
        (Part.THINKING, message.thinking, 0),
        (Part.ANSWER, message.content, len(message.thinking)),
    ):
        for index in range(0, len(part_text), chars_per_chunk):
            offset = start + (first + index) / len(text) * duration
            piece = part_text[index : index + chars_per_chunk]
            chunks.append(Chunk(round(offset, 3), part, piece))
    return chunks
