"""Themes as data: TOML files from the bundled `themes/` folder and the user's themes dir.

Each file holds the fields of `textual.theme.Theme` (`name`, `primary`, `background`, ...,
an optional `[variables]` table). A user file with the name of a bundled theme replaces it.
A broken file is skipped with a one-line reason, never a crash.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, fields
from importlib.resources import files
from pathlib import Path

from textual.color import Color, ColorParseError
from textual.theme import Theme

from qwen_tui import locations

DEFAULT_THEME = "qwen-dark"
_THEME_FIELDS = {f.name for f in fields(Theme)}
_COLOUR_FIELDS = (
    "primary secondary warning error success accent foreground background surface panel boost"
).split()


@dataclass(frozen=True)
class ThemeLoad:
    """The themes that loaded, and one line per file that did not."""

    themes: tuple[Theme, ...]
    problems: tuple[str, ...]


def bundled_themes_dir() -> Path:
    """The `themes/` folder shipped inside the package (a link to the top-level folder)."""
    return Path(str(files("qwen_tui.ui") / "themes"))


def load_themes(user_dir: Path | None = None) -> ThemeLoad:
    """Every bundled theme, then every user theme (which may override a bundled one)."""
    user_dir = user_dir or locations.user_themes_dir()
    by_name: dict[str, Theme] = {}
    problems: list[str] = []
    for folder in (bundled_themes_dir(), user_dir):
        if not folder.is_dir():
            continue
        for path in sorted(folder.glob("*.toml")):
            try:
                theme = theme_from_file(path)
            except ValueError as exc:
                problems.append(str(exc))
                continue
            by_name[theme.name] = theme
    return ThemeLoad(tuple(by_name.values()), tuple(problems))


def theme_from_file(path: Path) -> Theme:
    """One theme file as a Textual theme; ValueError with a one-line reason if it is bad."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise ValueError(f"{path}: not a readable TOML theme ({exc}); skipped") from exc
    unknown = set(data) - _THEME_FIELDS
    if unknown:
        raise ValueError(f"{path}: unknown key(s) {', '.join(sorted(unknown))}; skipped")
    data.setdefault("name", path.stem)
    if "primary" not in data:
        raise ValueError(f"{path}: a theme needs at least 'primary'; skipped")
    for key in _COLOUR_FIELDS:
        if key in data:
            try:
                Color.parse(data[key])
            except (ColorParseError, TypeError) as exc:
                raise ValueError(f"{path}: {key} = {data[key]!r} is not a colour; skipped") from exc
    try:
        return Theme(**data)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"{path}: {exc}; skipped") from exc
