"""What went wrong talking to the server, in one line that says what to do."""

from __future__ import annotations

import openai

from qwen_tui.engine.base import EngineFailure
from qwen_tui.engine.events import ErrorKind

_LONGEST_SERVER_TEXT = 300


def failure(exc: Exception, where: str) -> EngineFailure:
    """`exc`, raised by the `openai` client talking to the server at `where`, as one line."""
    if isinstance(exc, openai.APITimeoutError):
        return EngineFailure(
            f"the server at {where} did not answer in time; is it overloaded?", ErrorKind.BUSY
        )
    if isinstance(exc, openai.APIConnectionError):
        cause = exc.__cause__ or exc
        return EngineFailure(
            f"cannot reach the server at {where} ({_one_line(str(cause)) or 'no answer'}); "
            "is it running, and is --base-url right?",
            ErrorKind.MODEL_MISSING,
        )
    if isinstance(exc, openai.AuthenticationError | openai.PermissionDeniedError):
        return EngineFailure(
            f"the server at {where} refused the API key ({exc.status_code}: "
            f"{server_text(exc)}); pass the right one with --api-key or api_key in config.toml",
            ErrorKind.BAD_REQUEST,
        )
    if isinstance(exc, openai.RateLimitError):
        wait = exc.response.headers.get("retry-after")
        later = f"try again in {wait} s" if wait else "try again shortly"
        return EngineFailure(
            f"the server at {where} is busy (429: {server_text(exc)}); {later}", ErrorKind.BUSY
        )
    if isinstance(exc, openai.APIStatusError):
        return EngineFailure(
            f"the server at {where} refused the request ({exc.status_code}: {server_text(exc)})",
            ErrorKind.BAD_REQUEST,
        )
    if isinstance(exc, openai.APIError):
        return EngineFailure(f"the server at {where} reported an error: {server_text(exc)}")
    return EngineFailure(f"talking to the server at {where} failed: {_one_line(str(exc))}")


def server_text(exc: openai.APIError) -> str:
    """The server's own message, from the OpenAI error shape or vLLM's older one."""
    body = exc.body
    if isinstance(body, dict):
        inner = body.get("error", body)
        message = inner.get("message") if isinstance(inner, dict) else inner
        if isinstance(message, str) and message.strip():
            return _one_line(message)
    return _one_line(exc.message)


def _one_line(text: str) -> str:
    """`text` on one line, its control characters (escape sequences too) taken out."""
    text = "".join(ch for ch in " ".join(text.split()) if ch.isprintable())
    if len(text) > _LONGEST_SERVER_TEXT:
        text = text[: _LONGEST_SERVER_TEXT - 1] + "…"
    return text
