"""Export a session as Markdown (thinking and tool results folded in `<details>`) or as
one JSON document.

The Markdown outline is the session's title, then one `##` heading per message; headings
inside a message are moved two levels down so they sit under it. A user message answered
more than once has each of its replies, in the order they were made, each marked (as in
JSON) with which it is and whether it is the one shown.
"""

from __future__ import annotations

import json
import re
from dataclasses import asdict
from pathlib import Path
from typing import Any

from qwen_tui.chat.alternatives import ReplyPlace, placed_messages
from qwen_tui.chat.fork_origin import ForkOrigin
from qwen_tui.chat.messages import FinishReason, Message, Role
from qwen_tui.chat.tuning import Tuning
from qwen_tui.chat.tuning_table import shown_value
from qwen_tui.sessions.session import Session
from qwen_tui.sessions.tool_export import calls_data, calls_markdown, result_data, result_markdown

FORMATS = ("md", "json")
SUFFIXES = {".md": "md", ".markdown": "md", ".json": "json"}
"""The file names whose format is known."""
_HEADING = re.compile(r"^( {0,3})(#{1,6})(?=\s|$)")
_FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,})")
_DEMOTE_BY = 2


def format_for(path: Path, chosen: str | None = None) -> str:
    """The export format for a file named `path`: from its suffix, or `chosen` (a value
    of FORMATS) for a name without a known one. ValueError, with a one-line message, for
    a name whose format is unknown or differs from `chosen`."""
    by_name = SUFFIXES.get(path.suffix.lower())
    if by_name is None and chosen is None:
        raise ValueError(f"{path.name} names no export format; end it in .md or .json")
    if by_name is not None and chosen is not None and by_name != chosen:
        raise ValueError(f"{path.name} is a .{by_name} name, but the format asked is {chosen}")
    return by_name or str(chosen)


def export_session(session: Session, fmt: str) -> str:
    """The session as text in `fmt` ("md" or "json")."""
    if fmt == "md":
        return to_markdown(session)
    if fmt == "json":
        return to_json(session)
    raise ValueError(f"unknown export format {fmt!r}; choose md or json")


def to_markdown(session: Session) -> str:
    lines = [f"# {session.title}", ""]
    lines.append(f"- Session: `{session.id}`, created {session.created}")
    lines.append(f"- Model: {session.model or 'unknown'} (engine {session.engine or 'unknown'})")
    if session.replay_of:
        lines.append(f"- Replay of session `{session.replay_of}`")
    if session.forked_from is not None:
        lines.append(f"- {session.forked_from.describe()}")
    if session.conversation.tuning.values:
        lines.append(f"- Set with /set: {tuned_text(session.conversation.tuning)}")
    lines.append("")
    if session.conversation.system_prompt:
        lines += ["## System", "", demoted(session.conversation.system_prompt), ""]
    last: ReplyPlace | None = None
    for message, place in placed_messages(session.conversation):
        if place is not None and place != last:
            lines += [f"*{place.label.capitalize()}*", ""]
        lines += _markdown_message(message)
        last = place
    return "\n".join(lines).rstrip("\n") + "\n"


def to_json(session: Session) -> str:
    document = {
        "id": session.id,
        "title": session.title,
        "created": session.created,
        "model": session.model,
        "engine": session.engine,
        "replay_of": session.replay_of,
        "forked_from": _fork_data(session.forked_from),
        "settings": session.settings,
        "system_prompt": session.conversation.system_prompt,
        "set": dict(session.conversation.tuning.values),
        "messages": [
            message_dict(m) | _place_field(place)
            for m, place in placed_messages(session.conversation)
        ],
    }
    return json.dumps(document, ensure_ascii=False, indent=2) + "\n"


def _fork_data(origin: ForkOrigin | None) -> dict[str, Any] | None:
    """Where a fork came from, as JSON: the session (null if it was not saved) and the
    number of its user message that was edited."""
    return None if origin is None else {"session": origin.session_id, "message": origin.message}


def message_dict(message: Message) -> dict[str, Any]:
    """A message as plain JSON data; assistant turns keep thinking and figures apart."""
    if message.role is Role.TOOL:
        return result_data(message)
    if message.role is not Role.ASSISTANT:
        return {"role": str(message.role), "content": message.content}
    calls = {"tool_calls": calls_data(message)} if message.tool_calls else {}
    return {
        "role": "assistant",
        "thinking": message.thinking,
        "thinking_finished": message.thinking_finished,
        "content": message.content,
        "settings": None if message.settings is None else asdict(message.settings),
        "finish_reason": None if message.finish_reason is None else str(message.finish_reason),
        "stats": None if message.stats is None else asdict(message.stats),
    } | calls


def _place_field(place: ReplyPlace | None) -> dict[str, Any]:
    """A message of a reply that has others: which reply it is and whether it is shown."""
    if place is None:
        return {}
    return {"reply": {"number": place.number, "of": place.count, "shown": place.shown}}


def tuned_text(tuning: Tuning) -> str:
    """`temperature 0.3, thinking_budget off`: what `/set` left set, at the end."""
    return ", ".join(f"{name} {shown_value(name, v)}" for name, v in tuning.values.items())


def turn_summary(message: Message) -> str:
    """One line of what a reply ran with: mode, tokens, speed, time to first token, end."""
    parts = []
    if message.settings is not None:
        parts.append("thinking" if message.settings.thinking else "no thinking")
    if message.stats is not None:
        stats = message.stats
        parts.append(f"{stats.generated_tokens} tokens")
        parts.append(f"{stats.decode_tokens_per_s:.1f} tok/s")
        parts.append(f"first token {stats.time_to_first_token_s:.2f} s")
    if message.finish_reason not in (None, FinishReason.STOP):
        parts.append(_ENDINGS[message.finish_reason])
    return " · ".join(parts)


_ENDINGS = {
    FinishReason.LENGTH: "cut off at the token limit",
    FinishReason.CANCELLED: "stopped by the user",
    FinishReason.ERROR: "failed",
}


def demoted(markdown: str) -> str:
    """`markdown` with each ATX heading two levels deeper (at most `######`), so that an
    answer's `## Section` sits under its turn's `## Assistant`; code blocks are left as
    they are."""
    lines, fence = [], ""
    for line in markdown.split("\n"):
        opened = _FENCE.match(line)
        if fence:
            if opened and opened.group(1)[0] == fence[0] and len(opened.group(1)) >= len(fence):
                fence = ""
        elif opened:
            fence = opened.group(1)
        else:
            line = _HEADING.sub(
                lambda m: m.group(1) + "#" * min(6, len(m.group(2)) + _DEMOTE_BY), line
            )
        lines.append(line)
    return "\n".join(lines)


def _markdown_message(message: Message) -> list[str]:
    if message.role is Role.USER:
        return ["## User", "", demoted(message.content), ""]
    if message.role is Role.SYSTEM:
        return ["## System", "", demoted(message.content), ""]
    if message.role is Role.TOOL:
        return [*result_markdown(message), "", "</details>", ""]
    lines = ["## Assistant", ""]
    if message.thinking:
        summary = "Thinking" if message.thinking_finished else "Thinking (cut off)"
        # A literal closing tag inside the thinking would end the block early.
        thinking = message.thinking.replace("</details>", "&lt;/details&gt;")
        lines += ["<details>", f"<summary>{summary}</summary>", "", thinking, "", "</details>", ""]
    lines += [demoted(message.content), ""]
    lines += calls_markdown(message)
    summary = turn_summary(message)
    if summary:
        lines += [f"*{summary}*", ""]
    return lines
