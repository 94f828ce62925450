"""The lines of a session file, as JSON objects, and their conversion to and from the
chat model.

A file is a header line then one event per line::

    {"type": "session", "schema": 1, "id": ..., "created": ..., "model": ..., "engine": ...,
     "settings": {...}, "replay_of": null, "app_version": ...}
    {"type": "user", "at": ..., "content": "..."}
    {"type": "assistant", "at": ..., "thinking": "...", "answer": "...",
     "thinking_finished": true, "mode": {"enable_thinking": true, "thinking": true,
     "max_new_tokens": 32768}, "sampling": {...}, "finish_reason": "stop",
     "stats": {"prompt_tokens": ..., "generated_tokens": ..., "time_to_first_token_s": ...,
     "decode_tokens_per_s": ..., "total_s": ...}, "timeline": [[0.41, "t", 12], ...],
     "thinking_tokens": 850}
    {"type": "rename", "at": ..., "title": "..."}
    {"type": "system", "at": ..., "system_prompt": "..."}
    {"type": "resume", "at": ..., "model": ..., "engine": ..., "settings": {...}}
    {"type": "tool", ...}   (a tool call's result; see tool_records.py)
    {"type": "fork", ...}   (where a forked session came from; see fork_records.py)
    {"type": "regenerate", ...}, {"type": "reply_shown", ...}   (see reply_records.py)
    {"type": "set", ...}, {"type": "model", ...}   (/set and /model; see change_records.py)

Readers of schema N accept files of schema <= N and skip event types they do not know.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, fields
from datetime import datetime
from typing import Any

from qwen_tui import __version__
from qwen_tui.chat.messages import (
    FinishReason,
    GenerationStats,
    Message,
    Role,
    TurnSettings,
)
from qwen_tui.chat.sampling import SamplingParams
from qwen_tui.config import Settings
from qwen_tui.sessions.timeline import Chunk, encode_timeline
from qwen_tui.sessions.tool_records import tool_calls_field, tool_calls_of

SCHEMA_VERSION = 1
HEADER_TYPE = "session"

Record = dict[str, Any]


def now_stamp() -> str:
    """The current local time, ISO 8601 with its UTC offset, to the second."""
    return datetime.now().astimezone().isoformat(timespec="seconds")


def header_record(
    session_id: str,
    *,
    settings: Settings,
    engine_name: str,
    model_name: str,
    replay_of: str | None,
) -> Record:
    return {
        "type": HEADER_TYPE,
        "schema": SCHEMA_VERSION,
        "id": session_id,
        "created": now_stamp(),
        "model": model_name,
        "engine": engine_name,
        "settings": settings.as_record(),
        "replay_of": replay_of,
        "app_version": __version__,
    }


def resume_record(*, settings: Settings, engine_name: str, model_name: str) -> Record:
    """Marks where a later run continued the session, with what it ran."""
    return {
        "type": "resume",
        "at": now_stamp(),
        "model": model_name,
        "engine": engine_name,
        "settings": settings.as_record(),
    }


def user_record(message: Message) -> Record:
    return {"type": "user", "at": now_stamp(), "content": message.content}


def rename_record(title: str) -> Record:
    return {"type": "rename", "at": now_stamp(), "title": title}


def system_record(prompt: str) -> Record:
    """`/system`: the system prompt of the turns that follow."""
    return {"type": "system", "at": now_stamp(), "system_prompt": prompt}


def assistant_record(message: Message, chunks: Sequence[Chunk]) -> Record:
    turn = message.settings
    return {
        "type": "assistant",
        "at": now_stamp(),
        "thinking": message.thinking,
        "answer": message.content,
        "thinking_finished": message.thinking_finished,
        "mode": None
        if turn is None
        else {
            "enable_thinking": turn.enable_thinking,
            "thinking": turn.thinking,
            "max_new_tokens": turn.max_new_tokens,
        },
        "sampling": None if turn is None else asdict(turn.sampling),
        "finish_reason": None if message.finish_reason is None else str(message.finish_reason),
        "stats": None if message.stats is None else asdict(message.stats),
        "timeline": encode_timeline(chunks, message.thinking, message.content),
        "thinking_tokens": message.thinking_tokens,
    } | _flags(message)


def _flags(message: Message) -> Record:
    """Flags written only when set, so files without them read as before."""
    flags: Record = {}
    if message.thinking_budget_reached:
        flags["thinking_budget_reached"] = True
    if message.continued:
        flags["continues"] = True  # this reply replaces the cut-off one just before it
    return flags | tool_calls_field(message)


def user_message(record: Record) -> Message:
    return Message(Role.USER, _text(record, "content"))


def assistant_message(record: Record) -> Message:
    """The Message of an assistant record; raises KeyError/TypeError/ValueError if malformed."""
    mode, sampling, stats = record.get("mode"), record.get("sampling"), record.get("stats")
    settings = None
    if mode is not None:
        if not isinstance(sampling, dict):
            raise TypeError("'sampling' must be an object")
        settings = TurnSettings(
            enable_thinking=bool(mode["enable_thinking"]),
            thinking=bool(mode["thinking"]),
            sampling=SamplingParams(**sampling),
            max_new_tokens=int(mode["max_new_tokens"]),
        )
    reason = record.get("finish_reason")
    thinking_finished = record.get("thinking_finished", True)
    if not isinstance(thinking_finished, bool):
        raise TypeError("'thinking_finished' must be true or false")
    thinking_tokens = record.get("thinking_tokens")  # absent before it was recorded
    if thinking_tokens is not None and (
        isinstance(thinking_tokens, bool) or not isinstance(thinking_tokens, int)
    ):
        raise TypeError("'thinking_tokens' must be a whole number")
    return Message(
        Role.ASSISTANT,
        _text(record, "answer"),
        thinking=_text(record, "thinking"),
        thinking_finished=thinking_finished,
        settings=settings,
        finish_reason=None if reason is None else FinishReason(reason),
        stats=None if stats is None else _stats(stats),
        thinking_tokens=thinking_tokens,
        thinking_budget_reached=record.get("thinking_budget_reached") is True,
        continued=record.get("continues") is True,
        tool_calls=tool_calls_of(record),
    )


def _stats(stats: dict[str, Any]) -> GenerationStats:
    parsed = GenerationStats(**stats)
    for field in fields(parsed):
        value = getattr(parsed, field.name)
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise TypeError(f"'stats.{field.name}' must be a number")
    return parsed


def _text(record: Record, key: str) -> str:
    value = record[key]
    if not isinstance(value, str):
        raise TypeError(f"'{key}' must be a string")
    return value
