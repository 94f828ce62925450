"""Where qwen-tui keeps its files: config in the platform config dir, sessions in the data dir.

`QWEN_TUI_CONFIG_DIR` and `QWEN_TUI_DATA_DIR` override both, so tests and portable installs
never touch the user's real directories.
"""

from __future__ import annotations

import os
from pathlib import Path

from platformdirs import user_config_path, user_data_path

APP_NAME = "qwen-tui"


def config_dir() -> Path:
    """The directory holding `config.toml` and user themes."""
    override = os.environ.get("QWEN_TUI_CONFIG_DIR")
    return Path(override) if override else user_config_path(APP_NAME)


def data_dir() -> Path:
    """The directory holding sessions and other data the app writes."""
    override = os.environ.get("QWEN_TUI_DATA_DIR")
    return Path(override) if override else user_data_path(APP_NAME)


def config_file() -> Path:
    return config_dir() / "config.toml"


def sessions_dir() -> Path:
    return data_dir() / "sessions"


def log_file() -> Path:
    """Where the libraries' warnings and log records go instead of the terminal."""
    return data_dir() / "qwen-chat.log"


def user_themes_dir() -> Path:
    return config_dir() / "themes"
