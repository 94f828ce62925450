"""CLI options shared by the commands that run a model, declared once.

Every option defaults to None so that only what the user typed overrides config.toml.
"""

from __future__ import annotations

from typing import Annotated

import typer

from qwen_tui.chat.model_card import MAX_NEW_TOKENS
from qwen_tui.config import Settings, load_settings

MODEL = "Model"
SAMPLING = "Sampling"

ModelOpt = Annotated[
    str | None,
    typer.Option(
        "--model",
        "-m",
        help="Model directory or hub repo id (from the local cache).",
        rich_help_panel=MODEL,
    ),
]
EngineOpt = Annotated[
    str | None,
    typer.Option(
        "--engine",
        "-e",
        help="local (the in-process model, the default), demo (no model) or openai (a server).",
        rich_help_panel=MODEL,
    ),
]
BaseUrlOpt = Annotated[
    str | None,
    typer.Option(
        "--base-url",
        help="--engine openai: the server's API, e.g. http://localhost:8000/v1.",
        rich_help_panel=MODEL,
        show_default=False,
    ),
]
ApiKeyOpt = Annotated[
    str | None,
    typer.Option(
        "--api-key",
        help="--engine openai: the key the server wants (default: $OPENAI_API_KEY).",
        rich_help_panel=MODEL,
        show_default=False,
    ),
]
DeviceOpt = Annotated[str | None, typer.Option(help="auto, cuda or cpu.", rich_help_panel=MODEL)]
DtypeOpt = Annotated[
    str | None,
    typer.Option(help="auto, bfloat16, float16 or float32.", rich_help_panel=MODEL),
]
YarnOpt = Annotated[
    float | None,
    typer.Option(
        "--yarn-factor",
        help="YaRN rope scaling factor (e.g. 4.0 for 131,072 tokens).",
        rich_help_panel=MODEL,
    ),
]
ThinkOpt = Annotated[
    bool | None,
    typer.Option(
        "--think/--no-think",
        help="Thinking mode (the hard switch).",
        rich_help_panel=SAMPLING,
        show_default=False,
    ),
]
TemperatureOpt = Annotated[
    float | None,
    typer.Option(help="0 means greedy. Default 0.6 thinking, 0.7 not.", rich_help_panel=SAMPLING),
]
TopPOpt = Annotated[
    float | None,
    typer.Option("--top-p", help="Default 0.95 thinking, 0.8 not.", rich_help_panel=SAMPLING),
]
TopKOpt = Annotated[
    int | None,
    typer.Option("--top-k", help="Default 20; 0 turns it off.", rich_help_panel=SAMPLING),
]
MinPOpt = Annotated[
    float | None, typer.Option("--min-p", help="Default 0.", rich_help_panel=SAMPLING)
]
PresenceOpt = Annotated[
    float | None,
    typer.Option(
        "--presence-penalty",
        help="0 to 2; default 1.5 for quantized models.",
        rich_help_panel=SAMPLING,
    ),
]
MaxNewOpt = Annotated[
    int | None,
    typer.Option(
        "--max-new-tokens",
        help=f"Longest reply, in tokens. Default {MAX_NEW_TOKENS}.",
        rich_help_panel=SAMPLING,
    ),
]
ThinkingBudgetOpt = Annotated[
    int | None,
    typer.Option(
        "--thinking-budget",
        help="Thinking tokens after which the model is made to answer. Default: no limit.",
        rich_help_panel=SAMPLING,
    ),
]
SystemOpt = Annotated[
    str | None, typer.Option("--system", help="System prompt.", rich_help_panel=SAMPLING)
]


def settings_from_flags(**flags: object) -> Settings:
    """config.toml, then every flag the user gave. Raises ConfigError on a bad value."""
    renamed = {"system_prompt" if k == "system" else k: v for k, v in flags.items()}
    return load_settings().with_overrides(**renamed)


VerboseOpt = Annotated[
    bool,
    typer.Option(
        "--verbose",
        help="Also show the libraries' warnings, kept in the log file, on stderr "
        "(after the UI closes).",
    ),
]
