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
from qwen_tui.chat.parts import Part
from qwen_tui.chat.terminal_text import TerminalTextStream
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
from qwen_tui.commands.terminal import require_terminal, text_for_terminal
from qwen_tui.conversation.blocking import BlockingChat, TurnNotSent
from qwen_tui.conversation.core import ConversationCore
from qwen_tui.conversation.opening import engine_identity
from qwen_tui.conversation.updates import Notice, Severity, TextStreamed, Update
from qwen_tui.engine.base import EngineFailure
from qwen_tui.library_output import route_library_output
from qwen_tui.sessions import SessionStore
from qwen_tui.sessions.export import turn_summary
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
    verbose: VerboseOpt = False,
) -> None:
    """Send a session's user turns through its model again, into a new linked session."""
    route_library_output(verbose, ui=not print_only)
    if not print_only:
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
    with session_errors():
        recorder = store.create(
            settings, engine_name=engine_name, model_name=model_name, replay_of=original.id
        )
    if not print_only:
        chat_in_ui(
            settings,
            chat_engine,
            store,
            recorder,
            conversation=replay_start(original),
            prompts=prompts,
        )
        return
    core = ConversationCore(
        chat_engine, settings, replay_start(original), recorder_factory=lambda _: recorder
    )
    try:
        _print_replay(core, prompts)
    finally:
        chat_engine.close()
        core.close()
    typer.echo(f"Saved as session {recorder.session_id} (replay of {original.id}).", err=True)


def _print_replay(core: ConversationCore, prompts: list[str]) -> None:
    """Send every prompt in turn, printing the transcript; one line if a turn cannot run."""
    printer = _TranscriptPrinter()
    limit = core.settings.max_new_tokens
    decide = command_line_budget(limit, resumed=True, warn=printer.warn)
    chat = BlockingChat(core, decide=decide, show=printer)
    recorder = core.recorder
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


class _TranscriptPrinter:
    """Streams a replay to stdout: the user's turn, thinking dimmed, then the answer, all
    with their control characters shown as marks."""

    def __init__(self) -> None:
        self.console = Console(highlight=False)
        self._in_thinking = False
        self._safe = TerminalTextStream()

    def user(self, prompt: str) -> None:
        self.console.print(Text("You: ", style="bold cyan") + text_for_terminal(prompt))

    def warn(self, text: str) -> None:
        self.console.print(text_for_terminal(f"warning: {text}", style="yellow"))

    def __call__(self, update: Update) -> None:
        if isinstance(update, Notice) and update.severity is Severity.WARNING:
            self.warn(update.text)
        if not isinstance(update, TextStreamed):
            return
        text = update.delta.text
        if update.delta.part is Part.THINKING:
            if not self._in_thinking:
                self.console.print(Text("thinking: ", style="dim bold"), end="")
                self._in_thinking = True
            self.console.print(Text(self._safe.write(text), style="dim"), end="")
        else:
            if self._in_thinking:
                self.console.print(Text(self._safe.end(), style="dim") + "\n\n", end="")
                self._in_thinking = False
            self.console.print(Text(self._safe.write(text)), end="")

    def reply_done(self, reply: Message) -> None:
        self._in_thinking = False
        self.console.print(Text(self._safe.end()))
        summary = turn_summary(reply)
        if summary:
            self.console.print(Text(summary, style="dim"))
        self.console.print()
