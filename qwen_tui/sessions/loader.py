"""Reading a session file back: the header, then every event, into a `Session`.

The file is read a line at a time (`SessionReading`), so a command that only shows a
session never holds all of it. A torn last line (a process killed while writing it: no
newline at its end) is skipped with a warning. Any other unreadable line, the last one
included, is an error naming the file and the line, because silently dropping part of a
conversation would lose data.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from qwen_tui.chat.messages import Conversation, Message, Role
from qwen_tui.sessions.errors import SessionCorrupt, SessionTooNew
from qwen_tui.sessions.lines import (
    MAX_DEPTH,
    Line,
    Record,
    nesting_within,
    open_session_file,
    parse_record,
    session_lines,
)
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


Entry = tuple[Message, list[Chunk] | None]
"""A message as read, with its timeline if it is a reply."""


class SessionReading:
    """One session file read line by line: `session` holds the header's facts at once;
    iterating gives each message in order, keeping none of them, and completes `session`
    (rename, warnings, good_length) when it ends. Close it, or use it in a `with`.

    Raises SessionUnreadable when the file cannot be read, SessionCorrupt or SessionTooNew
    (one line each) when its content is wrong; FileNotFoundError passes through.
    """

    def __init__(self, path: Path) -> None:
        self._file = open_session_file(path)
        try:
            self._lines = session_lines(self._file, path)
            self.session = read_header(path, self._lines)
        except BaseException:
            self._file.close()
            raise

    def __iter__(self) -> Iterator[Entry]:
        session = self.session
        for line in self._lines:
            record = parse_line(session, line)
            if record is None:
                break
            entry = apply_line(session, line, record)
            session.good_length = line.end
            if entry is not None:
                yield entry
        self.close()

    def close(self) -> None:
        self._file.close()

    def __enter__(self) -> SessionReading:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def load_session_file(path: Path) -> Session:
    """The whole session in `path`, every message kept; errors as `SessionReading`'s."""
    with SessionReading(path) as reading:
        session = reading.session
        for message, timeline in reading:
            session.conversation.messages.append(message)
            if timeline is not None:
                session.timelines.append(timeline)
    return session


def check_session_file(path: Path) -> Session:
    """Read all of `path` with every check of `load_session_file`, keeping only the first
    question (the title needs it): the conversation of the result holds just that one."""
    with SessionReading(path) as reading:
        session = reading.session
        for message, _ in reading:
            if message.role is Role.USER and not session.conversation.messages:
                session.conversation.messages.append(message)
    return session


def parse_line(session: Session, line: Line) -> Record | None:
    """The event on `line`; None (with a warning on `session`) if it is a torn last line.
    Raises SessionCorrupt for a complete line that is not an event."""
    try:
        return parse_record(line.raw)
    except ValueError as exc:
        if not line.complete:
            warning = f"{session.path}: line {line.number} is incomplete (cut off); skipped it"
            session.warnings.append(warning)
            return None
        problem = f"not a session event ({exc})"
        raise SessionCorrupt(where(session.path, line.number, problem)) from None


def apply_line(session: Session, line: Line, record: Record) -> Entry | None:
    """`apply_record`, with a malformed event reported as SessionCorrupt naming the line."""
    try:
        return apply_record(session, record)
    except RecursionError:
        problem = f"malformed {kind_of(record)} (nested too deeply)"
    except (KeyError, TypeError, ValueError) as exc:
        problem = f"malformed {kind_of(record)} ({exc})"
    raise SessionCorrupt(where(session.path, line.number, problem)) from None


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
    session = session_from_header(path, first.number, header)
    session.good_length = first.end
    return session


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


def apply_record(session: Session, record: dict[str, Any]) -> Entry | None:
    """The message an event holds, if any (a rename is applied to `session` itself);
    KeyError, TypeError or ValueError if it is malformed."""
    kind = record.get("type")
    if not isinstance(kind, str):
        raise ValueError("no event 'type'")
    if kind == "user":
        return user_message(record), None
    if kind == "assistant":
        message = assistant_message(record)
        return message, decode_timeline(
            record.get("timeline", []), message.thinking, message.content
        )
    if kind == "rename":
        title = record["title"]
        if not isinstance(title, str):
            raise TypeError("'title' must be a string")
        session.renamed_to = title.strip() or None
    elif kind == HEADER_TYPE:
        raise ValueError("a second session header")
    # Unknown event types come from newer minor versions; skipping them loses nothing known.
    return None


def kind_of(record: dict[str, Any]) -> str:
    kind = record.get("type")
    return f"{kind} event" if isinstance(kind, str) else "event"


def where(path: Path, number: int, what: str) -> str:
    return f"{path}, line {number}: {what}"
