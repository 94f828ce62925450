"""`ApiError`: a request the server refuses, with the status and the OpenAI error shape."""

from __future__ import annotations

from collections.abc import Mapping

from qwen_tui.server.protocol import ErrorInfo, ErrorResponse

MAX_BODY_BYTES = 8 * 1024 * 1024
"""Far above the longest prompt the context holds (131,072 tokens are about 0.5 MB)."""
RETRY_AFTER_S = 2
"""What a refused request is told to wait before it tries again."""


class ApiError(Exception):
    """Refuses a request: `status`, a one-line `message` and the OpenAI `type`/`code`."""

    def __init__(
        self,
        status: int,
        message: str,
        *,
        type: str = "invalid_request_error",
        param: str | None = None,
        code: str | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.body = ErrorResponse(
            error=ErrorInfo(message=message, type=type, param=param, code=code)
        )
        self.headers = dict(headers or {})


def bad_request(message: str, param: str | None = None) -> ApiError:
    return ApiError(400, message, param=param)


def unknown_model(asked: str, served: str) -> ApiError:
    return ApiError(
        404,
        f"The model '{asked}' does not exist; this server serves '{served}'.",
        param="model",
        code="model_not_found",
    )


def too_busy(waiting: int) -> ApiError:
    return ApiError(
        429,
        f"The server is busy: one request runs and {waiting} wait; try again shortly.",
        type="rate_limit_error",
        code="rate_limit_exceeded",
        headers={"Retry-After": str(RETRY_AFTER_S)},
    )


def too_large() -> ApiError:
    return ApiError(
        413,
        f"The request body is over this server's limit of {MAX_BODY_BYTES:,} bytes.",
        code="request_too_large",
    )


def not_ready(reason: str) -> ApiError:
    return ApiError(
        503,
        reason,
        type="server_error",
        code="model_not_ready",
        headers={"Retry-After": str(RETRY_AFTER_S)},
    )


def engine_failed(message: str) -> ApiError:
    return ApiError(500, message, type="server_error", code="engine_error")
