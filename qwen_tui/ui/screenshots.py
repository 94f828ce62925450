"""Where the palette's Screenshot goes: a folder that exists, never a missing Downloads."""

from __future__ import annotations

import os
from pathlib import Path

from platformdirs import user_downloads_path

from qwen_tui import locations


def screenshot_dir() -> Path:
    """The Downloads folder if there is one, else the current directory if it can be
    written, else `screenshots` in the data directory (made if need be; OSError if not)."""
    downloads = user_downloads_path()
    if downloads.is_dir() and os.access(downloads, os.W_OK):
        return downloads
    here = Path.cwd()
    if os.access(here, os.W_OK):
        return here
    fallback = locations.data_dir() / "screenshots"
    fallback.mkdir(parents=True, exist_ok=True)
    return fallback
