"""The `qwen-chat` subcommands, one module each; `qwen_tui.cli` assembles them."""
