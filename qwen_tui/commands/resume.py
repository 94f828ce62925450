"""`qwen-chat resume [ID]`: continue a saved session in the chat UI."""

from __future__ import annotations

from typing import Annotated

import typer

from qwen_tui.commands.engine_check import require_startable_engine
from qwen_tui.commands.options import (
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
    engine_flags,
    load_session,
    session_errors,
)
from qwen_tui.library_output import route_library_output
from qwen_tui.sessions import SessionStore
from qwen_tui.sessions.records import engine_identity
from qwen_tui.sessions.replay import continued_settings


def resume(
    session_id: Annotated[
        str | None,
        typer.Argument(help="Session id or a unique start of it; the latest session if left out."),
    ] = None,
    model: ModelOpt = None,
    engine: EngineOpt = None,
    device: DeviceOpt = None,
    dtype: DtypeOpt = None,
    think: ThinkOpt = None,
    verbose: VerboseOpt = False,
) -> None:
    """Open a saved session in the chat UI and continue it (the latest one without an ID),
    on the engine and model it last ran with unless --engine or --model say otherwise."""
    route_library_output(verbose, ui=True)
    store = SessionStore()
    with session_errors():
        found = load_session(store, session_id)
    settings = settings_from_flags(
        **engine_flags(found, engine=engine, model=model),
        device=device,
        dtype=dtype,
        thinking=think,
    )
    settings = continued_settings(found, settings)
    require_startable_engine(settings)
    with session_errors():
        from qwen_tui.engine.factory import create_engine

        chat_engine = create_engine(settings)
        engine_name, model_name = engine_identity(settings, chat_engine)
        recorder = store.open_for_append(
            found.id, settings=settings, engine_name=engine_name, model_name=model_name
        )
        try:
            session = store.load(found.id)  # again, now that no other process can append
        except BaseException:
            recorder.close()
            raise
    chat_in_ui(settings, chat_engine, store, recorder, conversation=session.conversation)
