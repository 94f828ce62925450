"""`qwen-chat run PROMPT`: answer once without the UI, like `ollama run` or `llm prompt`.

`qwen-chat run -` reads the prompt from stdin (`cat notes.md | qwen-chat run -`).

The answer streams to stdout and nothing else goes there, so it pipes cleanly;
`--show-thinking` streams the thinking, dimmed, to stderr and ends with the saved
session's id there; `--json` prints one JSON object at the end instead (prompt, ids,
thinking, answer, stats, and `session`: the saved session's id or null).

A turn the engine fails is saved too, as a reply with finish reason `error` and no
answer, so the session never ends on an unanswered question. A prompt that leaves the
context no room for a reply is refused before anything is saved (`prompt_budget.py`).
"""

from __future__ import annotations

import json
import queue
import sys
from dataclasses import asdict
from typing import Annotated, Any

import typer
from rich.console import Console

from qwen_tui.chat.messages import FinishReason
from qwen_tui.chat.turn_plan import TurnPlan, plan_turn
from qwen_tui.commands.options import (
    DeviceOpt,
    DtypeOpt,
    EngineOpt,
    MaxNewOpt,
    MinPOpt,
    ModelOpt,
    PresenceOpt,
    SystemOpt,
    TemperatureOpt,
    ThinkOpt,
    TopKOpt,
    TopPOpt,
    VerboseOpt,
    YarnOpt,
    settings_from_flags,
)
from qwen_tui.commands.prompt_budget import fit_prompt
from qwen_tui.commands.session_helpers import fail, resumed_engine_flags
from qwen_tui.commands.streaming import StreamPrinter, wait_finished, wait_ready
from qwen_tui.config import ConfigError
from qwen_tui.engine.base import (
    Engine,
    EngineEvent,
    EngineFailure,
    EngineReady,
    GenerationFinished,
    GenerationRequest,
)
from qwen_tui.library_output import route_library_output
from qwen_tui.sessions import SessionError, SessionWriteError
from qwen_tui.sessions.recorded import RecordedConversation

INTERRUPTED_EXIT = 130
NOT_UTF8 = "the prompt is not UTF-8 text; convert it (e.g. with iconv) and try again"


def run(
    prompt: Annotated[
        str,
        typer.Argument(help="What to ask the model; - reads it from stdin.", show_default=False),
    ],
    model: ModelOpt = None,
    engine: EngineOpt = None,
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
    verbose: VerboseOpt = False,
) -> None:
    """Answer one prompt without the UI and exit."""
    route_library_output(verbose)
    if prompt == "-":
        prompt = _read_stdin()
    if not prompt.strip():
        raise fail("the prompt is empty; pass the question as an argument, or - to pipe it in")
    if not _is_utf8(prompt):
        raise fail(NOT_UTF8)
    try:
        settings = settings_from_flags(
            **resumed_engine_flags(resume, engine=engine, model=model),
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
            system=system,
        )
        from qwen_tui.engine.factory import create_engine

        chat_engine = create_engine(settings)
        recorded = RecordedConversation.open(settings, chat_engine, save=not no_save, resume=resume)
    except SessionWriteError as exc:
        raise fail(f"{exc} (or pass --no-save)" if resume is None else str(exc)) from None
    except (ConfigError, EngineFailure, SessionError) as exc:
        raise fail(str(exc)) from None
    events: queue.Queue[EngineEvent] = queue.Queue()
    try:
        _answer(chat_engine, events, settings, recorded, prompt, as_json, show_thinking)
    except SessionWriteError as exc:
        raise fail(str(exc)) from None
    finally:
        chat_engine.close()
        recorded.close()


def _read_stdin() -> str:
    """The prompt piped in for `-`, without the line break `echo` ends it with."""
    try:
        text = sys.stdin.read() if sys.stdin is not None else ""
    except UnicodeDecodeError:
        raise fail(NOT_UTF8) from None
    except OSError as exc:
        raise fail(f"cannot read the prompt from stdin ({exc.strerror or exc})") from None
    return text.rstrip("\r\n")


def _is_utf8(text: str) -> bool:
    # Bytes that are not UTF-8 arrive as lone surrogates (argv, and stdin in UTF-8 mode).
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _answer(
    chat_engine: Engine,
    events: queue.Queue[EngineEvent],
    settings,
    recorded: RecordedConversation,
    prompt: str,
    as_json: bool,
    show_thinking: bool,
) -> None:
    chat_engine.start(events.put)
    ready = wait_ready(events)
    quantized = getattr(chat_engine, "quantized", None)
    plan = plan_turn(recorded.conversation, prompt, settings, quantized=quantized is not False)
    # Before `begin`: a prompt that cannot run must not leave a session behind.
    plan, cut_short = fit_prompt(chat_engine, plan, resumed=bool(recorded.conversation.messages))
    err = Console(stderr=True, highlight=False, soft_wrap=True)
    for warning in plan.warnings + ((cut_short,) if cut_short else ()):
        err.print(f"qwen-chat: warning: {warning}", markup=False)
    recorded.begin(prompt)
    chat_engine.submit(GenerationRequest.from_plan(plan, request_id=1))
    printer = None if as_json else StreamPrinter(err, show_thinking)
    try:
        finished, error = wait_finished(events, printer, recorded)
    except KeyboardInterrupt:
        chat_engine.cancel()
        finished, error = wait_finished(events, printer, recorded)
        recorded.finish(finished, plan)
        if printer is not None:
            printer.end()
        raise typer.Exit(INTERRUPTED_EXIT) from None
    recorded.finish(finished, plan)
    if printer is not None:
        printer.end()
    if error is not None:
        raise fail(error.message)
    if finished.reason is FinishReason.ERROR:
        raise fail("the engine failed without saying why")
    if printer is not None:
        if show_thinking and recorded.session_id:
            err.print(f"session {recorded.session_id}", style="dim", markup=False)
        return
    report = _report(chat_engine, plan, finished, ready) | {"session": recorded.session_id}
    typer.echo(json.dumps(report, ensure_ascii=False))


def _report(
    chat_engine: Engine, plan: TurnPlan, finished: GenerationFinished, ready: EngineReady
) -> dict[str, Any]:
    render = getattr(chat_engine, "render_prompt", None)
    rendered = render(plan.messages, plan.enable_thinking) if render else None
    return {
        "model": ready.model_name,
        "prompt": rendered.text if rendered else None,
        "prompt_ids": list(rendered.ids) if rendered else None,
        "thinking": finished.thinking,
        "answer": finished.answer,
        "token_ids": list(finished.token_ids),
        "finish_reason": finished.reason.value,
        "thinking_mode": plan.thinking,
        "sampling": asdict(plan.sampling),
        "stats": asdict(finished.stats) | {"load_s": ready.load_seconds},
    }
