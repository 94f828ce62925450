"""The FastAPI app: `/v1/chat/completions`, `/v1/models` and `/health`.

With an API key, every `/v1` request needs `Authorization: Bearer KEY` (`/health` stays
open, as in vLLM). A body over `MAX_BODY_BYTES` gets 413. Every refusal has the OpenAI
error shape (`errors.py`, `error_handlers.py`); the server keeps serving after any of them.
"""

from __future__ import annotations

import asyncio
import secrets
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import Annotated, TypeVar

from fastapi import APIRouter, Depends, FastAPI, Header, Request, Response
from fastapi.responses import JSONResponse
from fastapi.sse import EventSourceResponse
from starlette.types import ASGIApp, Receive, Scope, Send

from qwen_tui.server.body_limit import DeclaredBodyLimit
from qwen_tui.server.error_handlers import ClientGone, install_error_handlers
from qwen_tui.server.errors import MAX_BODY_BYTES, ApiError, unknown_model
from qwen_tui.server.protocol import ChatCompletionRequest, ModelCard, ModelList
from qwen_tui.server.replies import DONE, ReplyFormat, error_event
from qwen_tui.server.request_turn import requested_turn
from qwen_tui.server.served_turn import ServedTurn
from qwen_tui.server.serving import Serving

T = TypeVar("T")


def create_app(serving: Serving, *, api_key: str | None = None) -> ASGIApp:
    """The app serving `serving`'s engine; it starts loading when the server starts."""
    return DeclaredBodyLimit(_fastapi_app(serving, api_key))


def _fastapi_app(serving: Serving, api_key: str | None) -> FastAPI:

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        serving.start()
        try:
            yield
        finally:
            serving.close()

    app = FastAPI(
        title="qwen-chat serve",
        lifespan=lifespan,
        max_body_size=MAX_BODY_BYTES,
        # A body sent with no Content-Type at all is read as JSON; `curl -d` labels its
        # body a form, so it needs -H "Content-Type: application/json", as with vLLM.
        strict_content_type=False,
        docs_url=None,
        redoc_url=None,
        openapi_url=None,
    )
    install_error_handlers(app)
    started = int(time.time())
    v1 = APIRouter(prefix="/v1", dependencies=[Depends(_key_check(api_key))])

    @v1.get("/models")
    async def models() -> ModelList:
        card = ModelCard(
            id=serving.model_id, created=started, max_model_len=serving.engine.context_limit
        )
        return ModelList(data=[card])

    @v1.post("/chat/completions")
    async def chat_completions(body: ChatCompletionRequest, request: Request) -> Response:
        if body.model is not None and body.model != serving.model_id:
            raise unknown_model(body.model, serving.model_id)
        requested = requested_turn(body, serving.settings)
        turn = await _unless_gone(request, serving.begin(requested))
        reply = ReplyFormat(serving.model_id)
        if body.stream:
            usage = body.stream_options is not None and body.stream_options.include_usage
            return _TurnStream(_stream(turn, reply, usage), turn)
        try:
            ending = await _unless_gone(request, turn.finish())
        finally:
            turn.stop()
        if ending.error is not None:
            raise ApiError(500, ending.error, type="server_error", code="engine_error")
        return JSONResponse(reply.completion(ending).model_dump())

    app.include_router(v1)

    @app.get("/health")
    async def health() -> JSONResponse:
        if serving.ready is not None:
            return JSONResponse({"status": "ok"})
        status = "failed" if serving.load_error else "loading"
        return JSONResponse({"status": status, "error": serving.load_error}, status_code=503)

    return app


class _TurnStream(EventSourceResponse):
    """The SSE response of one turn: however it ends (done, or the client gone), the turn
    is stopped, so the engine never generates for nobody."""

    def __init__(self, content: AsyncIterator[bytes], turn: ServedTurn) -> None:
        # As FastAPI's own SSE responses: no caching, and no buffering by a proxy (nginx).
        super().__init__(content, headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"})
        self._turn = turn

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        try:
            await super().__call__(scope, receive, send)
        finally:
            self._turn.stop()


async def _stream(
    turn: ServedTurn, reply: ReplyFormat, include_usage: bool
) -> AsyncIterator[bytes]:
    yield reply.opening()
    async for piece in turn.pieces():
        yield reply.piece(piece)
    ending = turn.ending
    assert ending is not None
    if ending.error is not None:
        error = ApiError(500, ending.error, type="server_error", code="engine_error")
        yield error_event(error.body)
    else:
        yield reply.closing(ending)
        if include_usage:
            yield reply.usage(ending)
    yield DONE


async def _unless_gone(request: Request, work: Awaitable[T]) -> T:
    """`work`'s result, unless the client disconnects first (then `work` is cancelled)."""
    task = asyncio.ensure_future(work)
    gone = asyncio.ensure_future(_disconnect(request.receive))
    try:
        await asyncio.wait((task, gone), return_when=asyncio.FIRST_COMPLETED)
    finally:
        gone.cancel()
    if not task.done():
        task.cancel()
        raise ClientGone
    return task.result()


async def _disconnect(receive: Receive) -> None:
    """Returns when the client has gone (its body is read, so nothing else arrives)."""
    while (await receive())["type"] != "http.disconnect":
        pass


def _key_check(api_key: str | None) -> Callable[..., Awaitable[None]]:
    async def check(authorization: Annotated[str | None, Header()] = None) -> None:
        if api_key is None:
            return
        scheme, _, token = (authorization or "").partition(" ")
        if scheme.lower() != "bearer" or not secrets.compare_digest(
            token.strip().encode(), api_key.encode()
        ):
            raise ApiError(
                401,
                "This server needs an API key: send the header Authorization: Bearer KEY.",
                code="invalid_api_key",
            )

    return check
