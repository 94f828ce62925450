"""A fork in a session file: the line that says where the session was forked from.

    {"type": "fork", "at": ..., "session": "250314-0930-k3f9", "message": 2}

It comes right after the header, before the history copied from the original session
(user, assistant and tool lines as any session has them), so a fork reads whole on its
own. `session` is null when the conversation forked was not saved. Readers that do not
know the event skip it, so a fork still loads in an older version, without its mark.
"""

from __future__ import annotations

from typing import Any

from qwen_tui.chat.fork_origin import ForkOrigin

FORK_TYPE = "fork"

Record = dict[str, Any]


def fork_record(origin: ForkOrigin, at: str) -> Record:
    """The `fork` line of a session forked from `origin`, written at `at`."""
    return {"type": FORK_TYPE, "at": at, "session": origin.session_id, "message": origin.message}


def fork_origin_of(record: Record) -> ForkOrigin:
    """The origin a `fork` line names; TypeError or ValueError when it is malformed."""
    session_id = record.get("session")
    if session_id is not None and not isinstance(session_id, str):
        raise TypeError("'session' must be a session id or null")
    message = record["message"]
    if isinstance(message, bool) or not isinstance(message, int):
        raise TypeError("'message' must be a whole number")
    if message < 1:
        raise ValueError("'message' counts from 1")
    return ForkOrigin(session_id, message)
