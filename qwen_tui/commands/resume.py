"""`qwen-chat resume [ID]`: continue a saved session in the chat UI."""

from __future__ import annotations

from typing import Annotated

import typer

from qwen_tui.commands.engine_check import require_startable_engine
from qwen_tui.commands.options import (
    ApiKeyOpt,
    BaseUrlOpt,
    DeviceOpt,
    DtypeOpt,
    EngineOpt,
    ModelOpt,
    ThinkOpt,
    VerboseOpt,
    settings_from_flags,
)
from qwen_tui.commands.session_helpers import (
    chat_in_ui,
    corrupt_hint,
    engine_flags,
    session_errors,
    session_id_for,
    warn_about,
)
from qwen_tui.commands.terminal import require_terminal
from qwen_tui.config import Settings
from qwen_tui.conversation.opening import open_saved
from qwen_tui.library_output import route_library_output
from qwen_tui.sessions import SessionStore
from qwen_tui.sessions.replay import continued_settings


def resume(
    session_id: Annotated[
        str | None,
        typer.Argument(help="Session id or a unique start of it; the latest session if left out."),
    ] = None,
    model: ModelOpt = None,
    engine: EngineOpt = None,
    base_url: BaseUrlOpt = None,
    api_key: ApiKeyOpt = None,
    device: DeviceOpt = None,
    dtype: DtypeOpt = None,
    think: ThinkOpt = None,
    verbose: VerboseOpt = False,
) -> None:
    """Open a saved session in the chat UI and continue it (the latest one without an ID),
    on the engine and model it last ran with unless --engine or --model say otherwise."""
    require_terminal("to go on without the UI, use `qwen-chat run --resume ID PROMPT`")
    route_library_output(verbose, ui=True)
    store = SessionStore()
    with session_errors():
        found = session_id_for(store, session_id)
        with corrupt_hint(found):
            continued = open_saved(store, found, Settings())  # read once, under the lock
    try:
        warn_about(continued.session)
        flags = engine_flags(continued.session, engine=engine, model=model, base_url=base_url)
        settings = settings_from_flags(
            **flags, api_key=api_key, device=device, dtype=dtype, thinking=think
        )
        continued.settings = continued_settings(continued.session, settings)
        require_startable_engine(continued.settings)
        from qwen_tui.engine.factory import create_engine

        chat_engine = create_engine(continued.settings)
    except BaseException:
        continued.recorder.close()
        raise
    continued.resumed_by(chat_engine)
    chat_in_ui(
        continued.settings,
        chat_engine,
        store,
        continued.recorder,
        conversation=continued.conversation,
    )
