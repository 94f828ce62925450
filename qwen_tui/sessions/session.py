"""`Session`: a session as read from its file, and the header line that starts one."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from qwen_tui.chat.fork_origin import ForkOrigin
from qwen_tui.chat.messages import Conversation, Role
from qwen_tui.sessions.errors import SessionCorrupt, SessionTooNew
from qwen_tui.sessions.lines import MAX_DEPTH, Line, nesting_within, parse_record
from qwen_tui.sessions.records import HEADER_TYPE, SCHEMA_VERSION
from qwen_tui.sessions.reply_records import ReplyChoices
from qwen_tui.sessions.timeline import Chunk

TITLE_LENGTH = 60
UNTITLED = "(no messages yet)"


@dataclass
class Session:
    """A loaded session: its header facts, the conversation and each reply's timeline."""

    id: str
    path: Path
    created: str
    model: str
    engine: str
    settings: dict[str, Any]
    replay_of: str | None
    conversation: Conversation
    timelines: list[list[Chunk]] = field(default_factory=list)
    """One per assistant message, in the order they were made (`messages_as_made`, the
    other replies of a regenerated one included): when each piece of its text appeared."""
    renamed_to: str | None = None
    resumed_with: dict[str, Any] | None = None
    """The last `resume` event: the engine, model and settings a later run went on with."""
    tools: tuple[dict[str, Any], ...] = ()
    """The tools last offered to the model (OpenAI shape), as a `tools` event recorded."""
    warnings: list[str] = field(default_factory=list)
    replies: ReplyChoices = field(default_factory=ReplyChoices)
    """The regenerated replies and the ones shown, as the lines read so far say."""

    @property
    def title(self) -> str:
        if self.renamed_to:
            return self.renamed_to
        first = next((m for m in self.conversation.messages if m.role is Role.USER), None)
        return title_from(first.content) if first else UNTITLED

    @property
    def forked_from(self) -> ForkOrigin | None:
        """Where this session was forked from, if it is a fork (its `fork` event)."""
        return self.conversation.forked_from

    @property
    def turns(self) -> int:
        """How many user messages the session holds."""
        return len(self.conversation.user_messages)


def title_from(text: str) -> str:
    """A one-line title from a user message: its first words, at most TITLE_LENGTH chars."""
    words = " ".join(text.split())
    return words if len(words) <= TITLE_LENGTH else words[: TITLE_LENGTH - 1].rstrip() + "…"


def read_header(path: Path, lines: Iterator[Line]) -> Session:
    """The Session the first line of `path` describes (no messages yet)."""
    first = next(lines, None)
    if first is None:
        raise SessionCorrupt(f"{path}: empty file, not a qwen-chat session")
    try:
        header = parse_record(first.raw)
    except ValueError as exc:
        problem = f"not a session event ({exc})"
        raise SessionCorrupt(where(path, first.number, problem)) from None
    return session_from_header(path, first.number, header)


def session_from_header(path: Path, number: int, header: dict[str, Any]) -> Session:
    """The Session a header record describes, with no messages yet."""
    if header.get("type") != HEADER_TYPE or not isinstance(header.get("schema"), int):
        raise SessionCorrupt(where(path, number, "no session header; not a qwen-chat session"))
    if header["schema"] > SCHEMA_VERSION:
        raise SessionTooNew(
            f"{path}: written by a newer qwen-tui (session schema {header['schema']}; "
            f"this version reads up to {SCHEMA_VERSION}); upgrade qwen-tui to open it"
        )
    if not nesting_within(header, MAX_DEPTH):  # its settings are kept, exported, printed
        problem = f"malformed session header (nested more than {MAX_DEPTH} levels deep)"
        raise SessionCorrupt(where(path, number, problem))
    try:
        settings = header.get("settings") or {}
        replay_of = header.get("replay_of")
        if replay_of is not None and not isinstance(replay_of, str):
            raise TypeError("'replay_of' must be a session id")
        return Session(
            id=str(header["id"]),
            path=path,
            created=str(header["created"]),
            model=str(header.get("model", "")),
            engine=str(header.get("engine", "")),
            settings=dict(settings),
            replay_of=replay_of,
            conversation=Conversation(system_prompt=str(settings.get("system_prompt", ""))),
        )
    except (KeyError, TypeError, ValueError) as exc:
        raise SessionCorrupt(where(path, number, f"malformed session header ({exc})")) from exc


def where(path: Path, number: int, what: str) -> str:
    return f"{path}, line {number}: {what}"
