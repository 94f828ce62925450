"""Writing the user's config.toml (in the test's own config dir)."""

from __future__ import annotations

from qwen_tui import locations


def write_config(text: str):
    path = locations.config_file()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path
