"""Reading a session file back: the header, then every event, into a `Session`.

A torn last line (a process killed while writing it) is skipped with a warning. Any
other unreadable line is an error naming the file and the line, because silently
dropping the middle of a conversation would lose data.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from qwen_tui.chat.messages import Conversation, Role
from qwen_tui.sessions.errors import SessionCorrupt, SessionTooNew
from qwen_tui.sessions.records import (
    HEADER_TYPE,
    SCHEMA_VERSION,
    assistant_message,
    user_message,
)
from qwen_tui.sessions.timeline import Chunk, decode_timeline

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
    """One per assistant message, in order: when each piece of its text appeared."""
    renamed_to: str | None = None
    resumed_with: dict[str, Any] | None = None
    """The last `resume` event: the engine, model and settings a later run went on with."""
    warnings: list[str] = field(default_factory=list)
    good_length: int = 0
    """Bytes of the file up to the end of its last readable line."""

    @property
    def title(self) -> str:
        if self.renamed_to:
            return self.renamed_to
        first = next((m for m in self.conversation.messages if m.role is Role.USER), None)
        return title_from(first.content) if first else UNTITLED

    @property
    def turns(self) -> int:
        """How many user messages the session holds."""
        return len(self.conversation.user_messages)


def title_from(text: str) -> str:
    """A one-line title from a user message: its first words, at most TITLE_LENGTH chars."""
    words = " ".join(text.split())
    return words if len(words) <= TITLE_LENGTH else words[: TITLE_LENGTH - 1].rstrip() + "…"


def load_session_file(path: Path) -> Session:
    """Parse `path`; raises SessionCorrupt or SessionTooNew with a one-line message."""
    data = path.read_bytes()
    lines = _lines(data)
    last_number = lines[-1][0] if lines else 0
    records: list[tuple[int, dict[str, Any]]] = []
    warnings: list[str] = []
    good_length = 0
    for number, end, raw in lines:
        try:
            record = json.loads(raw.decode("utf-8"))
            if not isinstance(record, dict):
                raise ValueError("not a JSON object")
        except (UnicodeDecodeError, ValueError) as exc:
            if number == last_number and number > 1:
                warnings.append(f"{path}: line {number} is incomplete (cut off); skipped it")
                break
            raise SessionCorrupt(_where(path, number, f"not a session event ({exc})")) from exc
        records.append((number, record))
        good_length = end
    if not records:
        raise SessionCorrupt(f"{path}: empty file, not a qwen-chat session")
    session = _session_from_header(path, *records[0])
    session.warnings, session.good_length = warnings, good_length
    for number, record in records[1:]:
        try:
            _apply(session, record)
        except (KeyError, TypeError, ValueError) as exc:
            problem = f"malformed {_kind(record)} ({exc})"
            raise SessionCorrupt(_where(path, number, problem)) from exc
    return session


def _lines(data: bytes) -> list[tuple[int, int, bytes]]:
    """(line number, byte offset just past the line, content) of every non-blank line."""
    found, start = [], 0
    for number, raw in enumerate(data.split(b"\n"), start=1):
        start += len(raw) + 1
        if raw.strip(b" \t\r\x00"):
            found.append((number, min(start, len(data)), raw))
    return found


def _session_from_header(path: Path, number: int, header: dict[str, Any]) -> Session:
    if header.get("type") != HEADER_TYPE or not isinstance(header.get("schema"), int):
        raise SessionCorrupt(_where(path, number, "no session header; not a qwen-chat session"))
    if header["schema"] > SCHEMA_VERSION:
        raise SessionTooNew(
            f"{path}: written by a newer qwen-tui (session schema {header['schema']}; "
            f"this version reads up to {SCHEMA_VERSION}); upgrade qwen-tui to open it"
        )
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
        raise SessionCorrupt(_where(path, number, f"malformed session header ({exc})")) from exc


def _apply(session: Session, record: dict[str, Any]) -> None:
    kind = record.get("type")
    if not isinstance(kind, str):
        raise ValueError("no event 'type'")
    if kind == "user":
        session.conversation.messages.append(user_message(record))
    elif kind == "assistant":
        message = assistant_message(record)
        timeline = decode_timeline(record.get("timeline", []), message.thinking, message.content)
        session.conversation.messages.append(message)
        session.timelines.append(timeline)
    elif kind == "rename":
        title = record["title"]
        if not isinstance(title, str):
            raise TypeError("'title' must be a string")
        session.renamed_to = title.strip() or None
    elif kind == "resume":
        if not isinstance(record.get("settings", {}), dict):
            raise TypeError("'settings' must be an object")
        session.resumed_with = record
    elif kind == HEADER_TYPE:
        raise ValueError("a second session header")
    # Unknown event types come from newer minor versions; skipping them loses nothing known.


def _kind(record: dict[str, Any]) -> str:
    kind = record.get("type")
    return f"{kind} event" if isinstance(kind, str) else "event"


def _where(path: Path, number: int, what: str) -> str:
    return f"{path}, line {number}: {what}"
