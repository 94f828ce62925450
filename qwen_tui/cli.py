"""The `qwen-chat` entry point: the chat UI by default, subcommands for the rest."""

from __future__ import annotations

import sys

import typer

from qwen_tui import __version__
from qwen_tui.chat.terminal_text import visible_controls
from qwen_tui.commands import doctor as doctor_cmd
from qwen_tui.commands import play as play_cmd
from qwen_tui.commands import replay as replay_cmd
from qwen_tui.commands import resume as resume_cmd
from qwen_tui.commands import run as run_cmd
from qwen_tui.commands import serve as serve_cmd
from qwen_tui.commands import sessions as sessions_cmd
from qwen_tui.commands import tools as tools_cmd
from qwen_tui.commands.engine_check import require_startable_engine
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
from qwen_tui.commands.terminal import require_terminal, tolerate_any_encoding
from qwen_tui.config import ConfigError
from qwen_tui.engine.base import EngineFailure
from qwen_tui.library_output import route_library_output

app = typer.Typer(
    name="qwen-chat",
    help="Chat with a local Qwen3 model in the terminal, its thinking streamed beside the answer.",
    no_args_is_help=False,
    add_completion=False,
    pretty_exceptions_enable=False,
)
app.command()(doctor_cmd.doctor)
app.add_typer(sessions_cmd.app)
app.add_typer(tools_cmd.app)
app.command()(resume_cmd.resume)
app.command()(replay_cmd.replay)
app.command()(play_cmd.play)
app.command()(run_cmd.run)
app.command()(serve_cmd.serve)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"qwen-chat {__version__}")
        raise typer.Exit()


@app.callback(invoke_without_command=True)
def chat(
    ctx: typer.Context,
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
    theme: str | None = typer.Option(None, help="Colour theme (saved for next time)."),
    verbose: VerboseOpt = False,
    version: bool = typer.Option(
        False, "--version", callback=_version, is_eager=True, help="Show the version and exit."
    ),
) -> None:
    """Start the chat UI (the default when no command is given)."""
    if ctx.invoked_subcommand is not None:
        return
    settings = settings_from_flags(
        model=model,
        engine=engine,
        base_url=base_url,
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
        theme=theme,
    )
    require_terminal("to ask without the UI, use `qwen-chat run PROMPT`")
    route_library_output(verbose, ui=True)
    require_startable_engine(settings)
    from qwen_tui.ui.app import run_chat_app

    run_chat_app(settings)


def main() -> None:
    """Console-script entry: readable one-line errors instead of tracebacks, and output
    that no locale's encoding can make fail."""
    tolerate_any_encoding()
    try:
        app()
    except (ConfigError, EngineFailure) as exc:
        print(f"qwen-chat: error: {visible_controls(str(exc))}", file=sys.stderr)
        sys.exit(2)
