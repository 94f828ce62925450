"""`qwen-chat resume [ID]`: continue a saved session in the chat UI."""

from __future__ import annotations

from typing import Annotated

import typer

from qwen_tui.commands.options import (
    ApiKeyOpt,
    BaseUrlOpt,
    DeviceOpt,
    DtypeOpt,
    EngineOpt,
    ModelOpt,
    ThinkOpt,
    settings_from_flags,
)
from qwen_tui.commands.session_helpers import (
    chat_in_ui,
    corrupt_hint,
    session_errors,
    session_id_for,
    warn_about,
)
from qwen_tui.commands.terminal import require_terminal
from qwen_tui.conversation.opening import open_saved
from qwen_tui.sessions import SessionStore


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
) -> None:
    """Open a saved session in the chat UI and continue it (the latest one without an ID)."""
    settings = settings_from_flags(
        model=model,
        engine=engine,
        base_url=base_url,
        api_key=api_key,
        device=device,
        dtype=dtype,
        thinking=think,
    )
    require_terminal("to go on without the UI, use `qwen-chat run --resume ID PROMPT`")
    store = SessionStore()
    with session_errors():
        found = session_id_for(store, session_id)
        with corrupt_hint(found):
            continued = open_saved(store, found, settings)  # read once, under the lock
    warn_about(continued.session)
    from qwen_tui.engine.factory import create_engine

    try:
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
