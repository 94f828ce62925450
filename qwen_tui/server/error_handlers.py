"""Every refusal in the OpenAI error shape, with its status: the app's own (`ApiError`),
a body that is not valid JSON or has a wrong type (400), a path that does not exist (404),
a body over the size limit (413), and anything unforeseen (500, and the server goes on)."""

from __future__ import annotations

import logging

from fastapi import FastAPI, Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException

from qwen_tui.server.errors import ApiError, too_large

log = logging.getLogger(__name__)

_HTTP_MESSAGES = {
    404: "There is no such endpoint; this server has /v1/chat/completions and /v1/models.",
    405: "This endpoint does not take that method.",
}


class ClientGone(Exception):
    """The client disconnected before its reply was ready: nobody to answer."""


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(ApiError, _api_error)
    app.add_exception_handler(RequestValidationError, _invalid_request)
    app.add_exception_handler(HTTPException, _http_error)
    app.add_exception_handler(ClientGone, _client_gone)
    app.add_exception_handler(Exception, _unforeseen)


async def _api_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, ApiError)
    return JSONResponse(exc.body.model_dump(), exc.status, headers=exc.headers)


async def _invalid_request(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, RequestValidationError)
    errors = exc.errors()
    first = errors[0] if errors else {}
    if first.get("type") == "json_invalid":
        detail = first.get("ctx", {}).get("error", "")
        return await _api_error(
            request, ApiError(400, f"The request body is not valid JSON ({detail}).".strip())
        )
    where = [str(part) for part in first.get("loc", ()) if part != "body"]
    param = ".".join(where) or None
    message = str(first.get("msg", "invalid request")).removeprefix("Value error, ")
    text = f"{param}: {message}" if param else message
    return await _api_error(request, ApiError(400, text, param=param))


async def _http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    if exc.status_code == 413:  # FastAPI's max_body_size, for a body that grew past it
        return await _api_error(request, too_large())
    message = _HTTP_MESSAGES.get(exc.status_code, str(exc.detail))
    kind = "server_error" if exc.status_code >= 500 else "invalid_request_error"
    return await _api_error(request, ApiError(exc.status_code, message, type=kind))


async def _client_gone(request: Request, exc: Exception) -> Response:
    return Response(status_code=499)  # nginx's "client closed request"; nobody reads it


async def _unforeseen(request: Request, exc: Exception) -> Response:
    log.exception("qwen-chat serve: unexpected error on %s", request.url.path)
    error = ApiError(500, f"Internal error: {type(exc).__name__}: {exc}", type="server_error")
    return await _api_error(request, error)
