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
from qwen_tui.commands.tool_use import YesOpt, approver, call_line, command_tools
from qwen_tui.config import Settings
from qwen_tui.conversation.blocking import BlockingChat, TurnNotSent
from qwen_tui.conversation.core import ConversationCore
from qwen_tui.conversation.opening import engine_identity
from qwen_tui.conversation.playback import recorded_tools
from qwen_tui.conversation.tool_runner import CoreEvent, ToolRunner
from qwen_tui.conversation.updates import (
    Notice,
    Severity,
    TextStreamed,
    ToolCallEnded,
    ToolLoopStopped,
    ToolStepLimitReached,
    Update,
)
from qwen_tui.engine.base import EngineFailure
from qwen_tui.library_output import route_library_output
from qwen_tui.sessions import Session, SessionStore
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
    printer = _TranscriptPrinter()
    events: queue.Queue[CoreEvent] = queue.Queue()
    with _replay_tools(original, settings, recorded_results, events, printer.warn) as runner:
        core = ConversationCore(
            chat_engine,
            settings,
            replay_start(original),
            recorder_factory=lambda _: recorder,
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


def _print_replay(chat: BlockingChat, prompts: list[str], printer: _TranscriptPrinter) -> None:
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


class _TranscriptPrinter:
    """Streams a replay to stdout: the user's turn, thinking dimmed, then the answer, all
    with their control characters shown as marks."""

    def __init__(self) -> None:
        self.console = Console(highlight=False)
        self._in_thinking = False
        self._answer_ends_line = True
        self._safe = TerminalTextStream()

    def user(self, prompt: str) -> None:
        self.console.print(Text("You: ", style="bold cyan") + text_for_terminal(prompt))

    def warn(self, text: str) -> None:
        self.console.print(text_for_terminal(f"warning: {text}", style="yellow"))

    def __call__(self, update: Update) -> None:
        if isinstance(update, Notice) and update.severity is Severity.WARNING:
            self.warn(update.text)
        elif isinstance(update, ToolStepLimitReached):
            self.warn(f"the model asked for tools {update.limit} times; its last calls did not run")
        elif isinstance(update, ToolLoopStopped):
            self.warn(update.reason)
        elif isinstance(update, ToolCallEnded):
            self._end_part()
            line = call_line(update.call, update.result_message)
            self.console.print(Text(line, style="dim"))
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
            self._answer_ends_line = text.endswith("\n")

    def _end_part(self) -> None:
        """A tool call's line starts a line of its own, after what streamed."""
        held = self._safe.end()
        if self._in_thinking or not self._answer_ends_line or held:
            self.console.print(Text(held, style="dim" if self._in_thinking else ""))
        self._in_thinking = False
        self._answer_ends_line = True

    def reply_done(self, reply: Message) -> None:
        self._in_thinking = False
        self.console.print(Text(self._safe.end()))
        summary = turn_summary(reply)
        if summary:
            self.console.print(Text(summary, style="dim"))
        self.console.print()
