"""`qwen-chat replay ID`: send a session's user turns through a model again: the one the
session last ran with, unless --engine or --model say otherwise.

The replay is a new session that records which session it replays, so the two can be
compared. `--print` runs it without the UI and prints the transcript as it streams.
"""

from __future__ import annotations

from typing import Annotated

import typer
from rich.console import Console
from rich.text import Text

from qwen_tui.chat.messages import Message
from qwen_tui.commands.engine_check import require_startable_engine
from qwen_tui.commands.options import (
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
from qwen_tui.commands.session_helpers import (
    SessionIdArg,
    chat_in_ui,
    engine_flags,
    fail,
    load_session,
    session_errors,
)
from qwen_tui.engine.base import AnswerDelta, EngineEvent, ThinkingDelta
from qwen_tui.library_output import route_library_output
from qwen_tui.sessions import SessionStore
from qwen_tui.sessions.drive import BlockingChat
from qwen_tui.sessions.export import turn_summary
from qwen_tui.sessions.records import engine_identity
from qwen_tui.sessions.replay import continued_settings, replay_start, user_prompts


def replay(
    session_id: SessionIdArg,
    think: ThinkOpt = None,
    engine: EngineOpt = None,
    model: ModelOpt = None,
    device: DeviceOpt = None,
    dtype: DtypeOpt = None,
    yarn_factor: YarnOpt = None,
    temperature: TemperatureOpt = None,
    max_new_tokens: MaxNewOpt = None,
    print_only: Annotated[
        bool, typer.Option("--print", help="Run without the UI and print the transcript.")
    ] = False,
    verbose: VerboseOpt = False,
) -> None:
    """Send a session's user turns through its model again, into a new linked session."""
    route_library_output(verbose, ui=not print_only)
    store = SessionStore()
    with session_errors():
        original = load_session(store, session_id)
    settings = settings_from_flags(
        **engine_flags(original, engine=engine, model=model),
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
    with session_errors():
        recorder = store.create(
            settings, engine_name=engine_name, model_name=model_name, replay_of=original.id
        )
    if print_only:
        printer = _TranscriptPrinter()
        chat = BlockingChat(
            chat_engine, settings, replay_start(original), recorder=recorder, on_event=printer
        )
        try:
            _print_replay(chat, printer, prompts)
        except KeyboardInterrupt:
            chat_engine.cancel()
            if not recorder.written:
                raise fail("stopped before the first reply; nothing was saved") from None
            saved = recorder.session_id
            raise fail(f"stopped; the finished turns are saved in session {saved}") from None
        finally:
            recorder.close()
            chat_engine.close()
        typer.echo(f"Saved as session {recorder.session_id} (replay of {original.id}).", err=True)
        return
    chat_in_ui(
        settings, chat_engine, store, recorder, conversation=replay_start(original), prompts=prompts
    )


def _print_replay(chat: BlockingChat, printer: _TranscriptPrinter, prompts: list[str]) -> None:
    chat.start()
    for prompt in prompts:
        printer.user(prompt)
        printer.reply_done(chat.send(prompt))


class _TranscriptPrinter:
    """Streams a replay to stdout: the user's turn, thinking dimmed, then the answer."""

    def __init__(self) -> None:
        self.console = Console(highlight=False)
        self._in_thinking = False

    def user(self, prompt: str) -> None:
        self.console.print(Text("You: ", style="bold cyan") + Text(prompt))

    def __call__(self, event: EngineEvent) -> None:
        if isinstance(event, ThinkingDelta):
            if not self._in_thinking:
                self.console.print(Text("thinking: ", style="dim bold"), end="")
                self._in_thinking = True
            self.console.print(Text(event.text, style="dim"), end="")
        elif isinstance(event, AnswerDelta):
            if self._in_thinking:
                self.console.print("\n")
                self._in_thinking = False
            self.console.print(Text(event.text), end="")

    def reply_done(self, reply: Message) -> None:
        self._in_thinking = False
        self.console.print()
        summary = turn_summary(reply)
        if summary:
            self.console.print(Text(summary, style="dim"))
        self.console.print()
