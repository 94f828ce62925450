"""`DeclaredBodyLimit`: a body that says it is over the limit gets the OpenAI-shaped 413.

FastAPI's `max_body_size` counts the bytes of every body and refuses one that grows past
the limit through the app's error handlers, in the OpenAI shape; but a body whose
`Content-Length` is over the limit it answers itself, in plain text, from outside the app.
Wrapped around the whole app, this answers that case first, before a byte is read.
"""

from __future__ import annotations

from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Receive, Scope, Send

from qwen_tui.server.errors import MAX_BODY_BYTES, too_large


class DeclaredBodyLimit:
    """ASGI middleware: 413 for a declared `Content-Length` over `MAX_BODY_BYTES`."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and _declared_length(scope) > MAX_BODY_BYTES:
            refusal = too_large()
            await JSONResponse(refusal.body.model_dump(), refusal.status)(scope, receive, send)
            return
        await self.app(scope, receive, send)


def _declared_length(scope: Scope) -> int:
    for name, value in scope["headers"]:
        if name == b"content-length":
            return int(value) if value.isdigit() else 0
    return 0
