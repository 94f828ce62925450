"""`qwen-chat run PROMPT`: answer once without the UI, like `ollama run` or `llm prompt`.

`qwen-chat run -` reads the prompt from stdin (`cat notes.md | qwen-chat run -`).

The answer streams to stdout and nothing else goes there, so it pipes cleanly;
`--show-thinking` streams the thinking, dimmed, to stderr and ends with the saved
session's id there; `--json` prints one JSON object at the end instead (prompt, ids,
thinking, answer, stats, and `session`: the saved session's id or null).

With MCP servers configured the turn is a tool loop: each call is one line on stderr
(in `--json`, its `tool_calls`); `run` never asks, so calls are denied (one line on
stderr each) unless `--yes` is given or the tool is allowed in config.

The turn runs through the conversation core, as in the chat UI: a prompt that leaves the
context no room for a reply is refused before anything is saved; a turn the engine fails
is saved as a reply with finish reason `error`; one stopped by Ctrl+C or a closed stdout
(`| head -1`) is saved as it stood, marked cancelled.
"""

from __future__ import annotations

import json
import os
import queue
import sys
from dataclasses import asdict
from typing import Annotated, Any

import typer
from rich.console import Console

from qwen_tui.chat.terminal_text import json_for_terminal
from qwen_tui.commands.options import (
    ApiKeyOpt,
    BaseUrlOpt,
    DeviceOpt,
    DtypeOpt,
    EngineOpt,
    MaxNewOpt,
    MinPOpt,
    ModelOpt,
    PresenceOpt,
    SystemOpt,
    TemperatureOpt,
    ThinkingBudgetOpt,
    ThinkOpt,
    TopKOpt,
    TopPOpt,
    VerboseOpt,
    YarnOpt,
    settings_from_flags,
)
from qwen_tui.commands.prompt_budget import command_line_budget, refusal
from qwen_tui.commands.session_helpers import fail, resumed_engine_flags
from qwen_tui.commands.streaming import StreamPrinter
from qwen_tui.commands.tool_use import YesOpt, approver, call_report, command_tools
from qwen_tui.config import ConfigError
from qwen_tui.conversation.blocking import BlockingChat, TurnNotSent, TurnResult
from qwen_tui.conversation.core import ConversationCore
from qwen_tui.conversation.opening import CommandConversation, open_for_command
from qwen_tui.conversation.tool_runner import CoreEvent
from qwen_tui.conversation.updates import ToolCallEnded
from qwen_tui.engine.base import Engine, EngineFailure, ToolSpecs
from qwen_tui.engine.events import EngineReady
from qwen_tui.library_output import route_library_output
from qwen_tui.sessions import SessionError, SessionWriteError

INTERRUPTED_EXIT = 130
NOT_UTF8 = "the prompt is not UTF-8 text; convert it (e.g. with iconv) and try again"


def run(
    prompt: Annotated[
        str,
        typer.Argument(help="What to ask the model; - reads it from stdin.", show_default=False),
    ],
    model: ModelOpt = None,
    engine: EngineOpt = None,
    base_url: BaseUrlOpt = None,
    api_key: ApiKeyOpt = None,
    device: DeviceOpt = None,
    dtype: DtypeOpt = None,
    yarn_factor: YarnOpt = None,
    think: ThinkOpt = None,
    temperature: TemperatureOpt = None,
    top_p: TopPOpt = None,
    top_k: TopKOpt = None,
    min_p: MinPOpt = None,
    presence_penalty: PresenceOpt = None,
    max_new_tokens: MaxNewOpt = None,
    thinking_budget: ThinkingBudgetOpt = None,
    system: SystemOpt = None,
    as_json: Annotated[
        bool, typer.Option("--json", help="Print one JSON object with the prompt, ids and stats.")
    ] = False,
    show_thinking: Annotated[
        bool, typer.Option("--show-thinking", help="Print the thinking too, dimmed, on stderr.")
    ] = False,
    no_save: Annotated[
        bool, typer.Option("--no-save", help="Do not save the exchange as a session.")
    ] = False,
    resume: Annotated[
        str | None,
        typer.Option(
            "--resume",
            help="Continue session ID: its history goes with the prompt.",
            show_default=False,
        ),
    ] = None,
    yes: YesOpt = False,
    verbose: VerboseOpt = False,
) -> None:
    """Answer one prompt without the UI and exit."""
    route_library_output(verbose)
    prompt = _read_stdin() if prompt == "-" else _utf8_argument(prompt)
    if not prompt.strip():
        raise fail("the prompt is empty; pass the question as an argument, or - to pipe it in")
    try:
        settings = settings_from_flags(
            **resumed_engine_flags(resume, engine=engine, model=model, base_url=base_url),
            api_key=api_key,
            device=device,
            dtype=dtype,
            yarn_factor=yarn_factor,
            thinking=think,
            temperature=temperature,
            top_p=top_p,
            top_k=top_k,
            min_p=min_p,
            presence_penalty=presence_penalty,
            max_new_tokens=max_new_tokens,
            thinking_budget=thinking_budget,
            system=system,
        )
        from qwen_tui.engine.factory import create_engine

        chat_engine = create_engine(settings)
        opened = open_for_command(settings, chat_engine, save=not no_save, resume=resume)
    except SessionWriteError as exc:
        raise fail(f"{exc} (or pass --no-save)" if resume is None else str(exc)) from None
    except (ConfigError, EngineFailure, SessionError) as exc:
        raise fail(str(exc)) from None
    err = Console(stderr=True, highlight=False, soft_wrap=True)
    printer = StreamPrinter(err, show_thinking=show_thinking, show_answer=not as_json)
    events: queue.Queue[CoreEvent] = queue.Queue()
    try:
        with command_tools(opened.settings.tools, events.put, printer.warn) as runner:
            core = ConversationCore(
                chat_engine,
                opened.settings,
                opened.conversation,
                recorder_factory=lambda _settings, _engine: opened.recorder,
                tools=runner,
            )
            chat = BlockingChat(
                core,
                decide=command_line_budget(
                    opened.settings.max_new_tokens,
                    resumed=bool(opened.conversation.messages),
                    warn=printer.warn,
                ),
                show=printer,
                approve=approver(yes, lambda line: err.print(line, markup=False)),
                events=events,
            )
            try:
                _answer(chat, opened, prompt, as_json, printer)
            finally:
                chat_engine.close()
                core.close()
    except SessionWriteError as exc:
        raise fail(str(exc)) from None


def _read_stdin() -> str:
    """The prompt piped in for `-`, as UTF-8 whatever the locale says, without the line
    break `echo` ends it with."""
    try:
        data = sys.stdin.buffer.read() if sys.stdin is not None else b""
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        raise fail(NOT_UTF8) from None
    except OSError as exc:
        raise fail(f"cannot read the prompt from stdin ({exc.strerror or exc})") from None
    return text.rstrip("\r\n")


def _utf8_argument(text: str) -> str:
    """The prompt given as an argument, read as UTF-8 whatever the locale says: Python
    decodes argv with the locale's encoding and keeps the bytes it cannot decode as lone
    surrogates, which `os.fsencode` turns back into the bytes typed."""
    try:
        return os.fsencode(text).decode("utf-8")
    except UnicodeError:
        raise fail(NOT_UTF8) from None


def _answer(
    chat: BlockingChat,
    opened: CommandConversation,
    prompt: str,
    as_json: bool,
    printer: StreamPrinter,
) -> None:
    resumed = bool(opened.conversation.messages)
    limit = opened.settings.max_new_tokens
    chat_engine = chat.core.engine
    session_id = opened.recorder.session_id if opened.recorder else None
    try:
        ready = chat.start()
        result = chat.send(prompt)
        printer.end()
    except EngineFailure as exc:
        printer.end()
        raise fail(str(exc)) from None
    except TurnNotSent as exc:
        raise fail(refusal(exc.question, limit, resumed=resumed)) from None
    except KeyboardInterrupt:
        printer.end()
        raise typer.Exit(INTERRUPTED_EXIT) from None
    except BrokenPipeError:
        # stdout was closed (`| head -1`): the reply is saved; end quietly, as Unix tools do.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        raise typer.Exit(0) from None
    except OSError as exc:
        saved = f"; the reply is saved in session {session_id}" if session_id else ""
        raise fail(f"cannot write the answer ({exc.strerror or exc}){saved}") from None
    if printer.not_saved:
        raise fail(printer.not_saved[0])
    if not as_json:
        if printer.show_thinking and session_id:
            printer.err.print(f"session {session_id}", style="dim", markup=False)
        return
    tools = chat.core.offered_tools()
    report = _report(chat_engine, result, ready, tools) | {"session": session_id}
    typer.echo(json_for_terminal(json.dumps(report, ensure_ascii=False)))


def _report(
    chat_engine: Engine, result: TurnResult, ready: EngineReady, tools: ToolSpecs
) -> dict[str, Any]:
    """The `--json` report; `prompt` is the last step's, with the `tools` it offered."""
    plan, message = result.turn.plan, result.message
    rendered = chat_engine.render_prompt(plan.messages, plan.enable_thinking, tools)
    stats = message.stats
    return {
        "model": ready.model_name,
        "prompt": rendered.text if rendered else None,
        "prompt_ids": list(rendered.ids) if rendered else None,
        "thinking": message.thinking,
        "answer": message.content,
        "token_ids": list(result.finished.token_ids) if result.finished else [],
        "finish_reason": str(message.finish_reason),
        "thinking_mode": plan.thinking,
        "thinking_budget_reached": message.thinking_budget_reached,
        "sampling": asdict(plan.sampling),
        "stats": (asdict(stats) if stats else {}) | {"load_s": ready.load_seconds},
        "tool_calls": [
            call_report(u.call, u.result_message)
            for u in result.updates
            if isinstance(u, ToolCallEnded)
        ],
    }
