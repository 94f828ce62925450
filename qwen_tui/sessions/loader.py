"""Reading a session file back: the header, then every event, into a `Session`.

The file is read a line at a time (`SessionReading`), so a command that only shows a
session never holds all of it. A torn last line (a process killed while writing it: no
newline at its end) is skipped with a warning. Any other unreadable line, the last one
included, is an error naming the file and the line, because silently dropping part of a
conversation would lose data.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

from qwen_tui.chat.alternatives import messages_as_made
from qwen_tui.chat.messages import Message, Role
from qwen_tui.sessions.change_records import MODEL_TYPE, SET_TYPE, tuned_by
from qwen_tui.sessions.errors import SessionCorrupt
from qwen_tui.sessions.fork_records import FORK_TYPE, fork_origin_of
from qwen_tui.sessions.lines import Line, Record, open_session_file, parse_record, session_lines
from qwen_tui.sessions.records import HEADER_TYPE, assistant_message, user_message
from qwen_tui.sessions.session import Session, read_header, where
from qwen_tui.sessions.timeline import Chunk, decode_timeline
from qwen_tui.sessions.tool_records import offered_tools, tool_message

Entry = tuple[Message, list[Chunk] | None]
"""A message as read, with its timeline if it is a reply."""


class SessionReading:
    """One session file read line by line: `session` holds the header's facts at once;
    iterating gives each message in order, keeping none of them, and completes `session`
    (rename, warnings) when it ends. Close it, or use it in a `with`.

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
    """The whole session in `path`, every message kept (a regenerated reply's others
    among its user message's `other_replies`); errors as `SessionReading`'s."""
    timelines: dict[int, list[Chunk]] = {}  # by the id of their message
    with SessionReading(path) as reading:
        session = reading.session
        messages = session.conversation.messages
        for message, timeline in reading:
            session.replies.apply(session.conversation)  # the regenerations before it
            if message.continued and messages and messages[-1].role is Role.ASSISTANT:
                timelines.pop(id(messages.pop()), None)  # the cut-off reply, now held whole
            messages.append(message)
            if timeline is not None:
                timelines[id(message)] = timeline
        session.replies.apply(session.conversation)
    made = messages_as_made(session.conversation)
    session.timelines = [timelines[id(m)] for m in made if id(m) in timelines]
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


def apply_record(session: Session, record: dict[str, Any]) -> Entry | None:
    """The message an event holds, if any (a rename is applied to `session` itself);
    KeyError, TypeError or ValueError if it is malformed."""
    kind = record.get("type")
    if not isinstance(kind, str):
        raise ValueError("no event 'type'")
    session.replies.read(kind, record)  # regenerated replies, and which one is shown
    if kind == "user":
        return user_message(record), None
    if kind == "assistant":
        message = assistant_message(record)
        return message, decode_timeline(
            record.get("timeline", []), message.thinking, message.content
        )
    if kind == "tool":
        return tool_message(record), None
    if kind == "tools":
        session.tools = offered_tools(record)
    elif kind == "rename":
        title = record["title"]
        if not isinstance(title, str):
            raise TypeError("'title' must be a string")
        session.renamed_to = title.strip() or None
    elif kind == "system":
        prompt = record["system_prompt"]
        if not isinstance(prompt, str):
            raise TypeError("'system_prompt' must be a string")
        session.conversation.system_prompt = prompt
    elif kind == FORK_TYPE:
        session.conversation.forked_from = fork_origin_of(record)
    elif kind == SET_TYPE:
        session.conversation.tuning = tuned_by(session.conversation.tuning, record)
    elif kind in ("resume", MODEL_TYPE):
        if not isinstance(record.get("settings", {}), dict):
            raise TypeError("'settings' must be an object")
        session.resumed_with = record
    elif kind == HEADER_TYPE:
        raise ValueError("a second session header")
    # Unknown event types come from newer minor versions; skipping them loses nothing known.
    return None


def kind_of(record: dict[str, Any]) -> str:
    kind = record.get("type")
    return f"{kind} event" if isinstance(kind, str) else "event"
