"""`qwen-chat serve`: the model behind the OpenAI chat completions API until Ctrl+C.

It loads the model once (a progress bar on stderr), prints the URL when it is ready, and
serves one request at a time with a short queue (`qwen_tui.server`). It binds 127.0.0.1
unless told otherwise, and refuses another address without an API key.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer

from qwen_tui.commands.options import (
    DeviceOpt,
    DtypeOpt,
    EngineOpt,
    ModelOpt,
    YarnOpt,
    settings_from_flags,
)
from qwen_tui.commands.serve_console import LoadConsole, base_url, is_loopback, listen
from qwen_tui.commands.session_helpers import fail

if TYPE_CHECKING:
    import uvicorn

SERVER = "Server"
_SHUTDOWN_GRACE_S = 2  # open streams get this long after Ctrl+C, then they are cut


def serve(
    host: Annotated[
        str, typer.Option(help="Address to listen on.", rich_help_panel=SERVER)
    ] = "127.0.0.1",
    port: Annotated[
        int,
        typer.Option(min=0, max=65535, help="Port (0: any free one).", rich_help_panel=SERVER),
    ] = 8000,
    api_key: Annotated[
        str | None,
        typer.Option(
            "--api-key",
            help="Require Authorization: Bearer KEY on every /v1 request.",
            rich_help_panel=SERVER,
            show_default=False,
        ),
    ] = None,
    save: Annotated[
        bool,
        typer.Option(
            "--save", help="Save each request and its reply as a session.", rich_help_panel=SERVER
        ),
    ] = False,
    queue_size: Annotated[
        int,
        typer.Option(
            "--queue-size",
            min=0,
            help="Requests that may wait for the running one; more get 429.",
            rich_help_panel=SERVER,
        ),
    ] = 4,
    model: ModelOpt = None,
    engine: EngineOpt = None,
    device: DeviceOpt = None,
    dtype: DtypeOpt = None,
    yarn_factor: YarnOpt = None,
) -> None:
    """Serve the model over an OpenAI-compatible API (/v1/chat/completions) until Ctrl+C."""
    if api_key is None and not is_loopback(host):
        raise fail(
            f"--host {host} lets other machines in; pass --api-key KEY too "
            "(clients then send Authorization: Bearer KEY), or keep the default 127.0.0.1"
        )
    if api_key is not None and not api_key.strip():
        raise fail("--api-key is empty; give the key clients must send")
    settings = settings_from_flags(
        model=model, engine=engine, device=device, dtype=dtype, yarn_factor=yarn_factor
    )
    import uvicorn

    from qwen_tui.engine.factory import create_engine
    from qwen_tui.server.routes import create_app
    from qwen_tui.server.serving import Serving
    from qwen_tui.sessions import SessionStore

    chat_engine = create_engine(settings)
    try:
        sock = listen(host, port)
    except OSError as exc:
        raise fail(
            f"cannot listen on {host}:{port} ({exc.strerror or exc}); pick another --port"
        ) from None
    server: uvicorn.Server | None = None

    def stop_serving() -> None:
        if server is not None:
            server.should_exit = True

    console = LoadConsole(base_url(sock), settings.model, stop_serving)
    serving = Serving(
        chat_engine,
        settings,
        queue_size=queue_size,
        store=SessionStore() if save else None,
        on_load=console.show,
    )
    config = uvicorn.Config(
        create_app(serving, api_key=api_key),
        log_level="warning",
        timeout_graceful_shutdown=_SHUTDOWN_GRACE_S,
    )
    server = uvicorn.Server(config)
    try:
        server.run(sockets=[sock])
    except KeyboardInterrupt:
        pass  # uvicorn shut down cleanly first, then passed the Ctrl+C on
    finally:
        sock.close()
    if console.failed is not None:
        raise fail(console.failed)
    typer.echo("qwen-chat serve: stopped", err=True)
