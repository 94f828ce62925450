"""`qwen-chat replay ID`: send a session's user turns through a model again: the one the
session last ran with, unless --engine or --model say otherwise.

The replay is a new session that records which session it replays, so the two can be
compared. `--print` runs it without the UI and prints the transcript as it streams.

Tool calls run again on the configured MCP servers; `--print` never asks, so they are
denied (one line on stderr each) unless `--yes` or the config allows the tool. With
`--recorded-tools` each call gets the result the session recorded instead, and nothing
runs.
"""

from __future__ import annotations

import queue
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Annotated

import typer

from qwen_tui.commands.engine_check import require_startable_engine
from qwen_tui.commands.options import (
    ApiKeyOpt,
    BaseUrlOpt,
    DeviceOpt,
    DtypeOpt,
    EngineOpt,
    MaxNewOpt,
    ModelOpt,
    TemperatureOpt,
    ThinkOpt,
    VerboseOpt,
    YarnOpt,
    settings_from_flags,
)
from qwen_tui.commands.prompt_budget import command_line_budget, refusal
from qwen_tui.commands.session_helpers import (
    SessionIdArg,
    chat_in_ui,
    engine_flags,
    fail,
    load_session,
    session_errors,
)
from qwen_tui.commands.terminal import require_terminal
from qwen_tui.commands.tool_use import YesOpt, approver, command_tools
from qwen_tui.commands.transcript import TranscriptPrinter
from qwen_tui.config import Settings
from qwen_tui.conversation.blocking import BlockingChat, TurnNotSent
from qwen_tui.conversation.core import ConversationCore
from qwen_tui.conversation.opening import engine_identity
from qwen_tui.conversation.playback import recorded_tools
from qwen_tui.conversation.tool_runner import CoreEvent, ToolRunner
from qwen_tui.engine.base import EngineFailure
from qwen_tui.library_output import route_library_output
from qwen_tui.sessions import Session, SessionStore
from qwen_tui.sessions.replay import continued_settings, replay_start, user_prompts


def replay(
    session_id: SessionIdArg,
    think: ThinkOpt = None,
    engine: EngineOpt = None,
    base_url: BaseUrlOpt = None,
    api_key: ApiKeyOpt = None,
    model: ModelOpt = None,
    device: DeviceOpt = None,
    dtype: DtypeOpt = None,
    yarn_factor: YarnOpt = None,
    temperature: TemperatureOpt = None,
    max_new_tokens: MaxNewOpt = None,
    print_only: Annotated[
        bool, typer.Option("--print", help="Run without the UI and print the transcript.")
    ] = False,
    recorded_results: Annotated[
        bool,
        typer.Option(
            "--recorded-tools", help="Give tool calls the session's recorded results; run none."
        ),
    ] = False,
    yes: YesOpt = False,
    verbose: VerboseOpt = False,
) -> None:
    """Send a session's user turns through its model again, into a new linked session."""
    route_library_output(verbose, ui=not print_only)
    if not print_only:
        if yes:
            raise fail("--yes works with --print; in the chat you answer each tool call")
        if recorded_results:
            raise fail("--recorded-tools works with --print for now; add --print")
        require_terminal("add --print to replay it without the UI")
    store = SessionStore()
    with session_errors():
        original = load_session(store, session_id)
    settings = settings_from_flags(
        **engine_flags(original, engine=engine, model=model, base_url=base_url),
        api_key=api_key,
        thinking=think,
        device=device,
        dtype=dtype,
        yarn_factor=yarn_factor,
        temperature=temperature,
        max_new_tokens=max_new_tokens,
    )
    settings = continued_settings(original, settings)
    prompts = user_prompts(original)
    if not prompts:
        raise fail(f"session {original.id} has no user messages to replay")
    require_startable_engine(settings)
    from qwen_tui.engine.factory import create_engine

    chat_engine = create_engine(settings)
    engine_name, model_name = engine_identity(settings, chat_engine)
    given = {"temperature": temperature, "max_new_tokens": max_new_tokens}
    start = replay_start(original, [name for name, value in given.items() if value is not None])
    with session_errors():
        recorder = store.create(
            settings, engine_name=engine_name, model_name=model_name, replay_of=original.id
        )
        for name, value in start.tuning.values.items():  # so resuming the replay keeps them
            recorder.record_set(name, value)
    if not print_only:
        chat_in_ui(
            settings,
            chat_engine,
            store,
            recorder,
            conversation=start,
            prompts=prompts,
        )
        return
    printer = TranscriptPrinter()
    events: queue.Queue[CoreEvent] = queue.Queue()
    with _replay_tools(original, settings, recorded_results, events, printer.warn) as runner:
        core = ConversationCore(
            chat_engine,
            settings,
            start,
            recorder_factory=lambda _settings, _engine: recorder,
            tools=runner,
        )
        try:
            chat = BlockingChat(
                core,
                decide=command_line_budget(
                    settings.max_new_tokens, resumed=True, warn=printer.warn
                ),
                show=printer,
                approve=approver(yes, lambda line: typer.echo(line, err=True)),
                events=events,
            )
            _print_replay(chat, prompts, printer)
        finally:
            chat_engine.close()
            core.close()
    typer.echo(f"Saved as session {recorder.session_id} (replay of {original.id}).", err=True)


@contextmanager
def _replay_tools(
    original: Session,
    settings: Settings,
    recorded: bool,
    events: queue.Queue[CoreEvent],
    warn: Callable[[str], None],
) -> Iterator[ToolRunner | None]:
    """The session's recorded results (`--recorded-tools`), or the configured servers."""
    if recorded:
        yield recorded_tools(original, events.put)
        return
    with command_tools(settings.tools, events.put, warn) as runner:
        yield runner


def _print_replay(chat: BlockingChat, prompts: list[str], printer: TranscriptPrinter) -> None:
    """Send every prompt in turn, printing the transcript; one line if a turn cannot run."""
    limit = chat.core.settings.max_new_tokens
    recorder = chat.core.recorder
    try:
        chat.start()
        for number, prompt in enumerate(prompts, start=1):
            printer.user(prompt)
            try:
                printer.reply_done(chat.send(prompt).message)
            except TurnNotSent as exc:
                why = refusal(exc.question, limit, resumed=True)
                raise fail(f"turn {number} of {len(prompts)} cannot run: {why}") from None
    except EngineFailure as exc:
        raise fail(str(exc)) from None
    except KeyboardInterrupt:
        if recorder is None or not recorder.written:
            raise fail("stopped before the first reply; nothing was saved") from None
        raise fail(
            f"stopped; the turns so far are saved in session {recorder.session_id}"
        ) from None
