"""qwen-tui: a terminal chat for local Qwen3 models, with live thinking."""

__version__ = "0.1.0"
