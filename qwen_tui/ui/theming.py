"""Themes as data: TOML files from the bundled `themes/` folder and the user's themes dir.

Each file holds the fields of `textual.theme.Theme` (`name`, `primary`, `background`, ...,
an optional `[variables]` table). A user file with the name of a bundled theme replaces it.
A broken file (bad TOML, an unknown key, a value of the wrong type or one Textual cannot
parse) is skipped with a one-line reason naming the file and key, never a crash.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, fields
from importlib.resources import files
from math import isfinite
from pathlib import Path
from typing import Any

from textual.color import Color, ColorParseError
from textual.css.stylesheet import Stylesheet, StylesheetError
from textual.css.tokenizer import TokenError
from textual.theme import Theme

from qwen_tui import locations
from qwen_tui.regular_files import MIB, UnreadableFile, read_regular_file

DEFAULT_THEME = "qwen-dark"
_THEME_FIELDS = {f.name for f in fields(Theme)}
_COLOUR_FIELDS = (
    "primary secondary warning error success accent foreground background surface panel boost"
).split()
_FLAG_FIELDS = ("dark", "ansi")
_NUMBER_FIELDS = ("luminosity_spread", "text_alpha")
_SKIPPED = "theme skipped (fix or delete the file)"


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
        try:
            paths = sorted(folder.glob("*.toml")) if folder.is_dir() else []
        except OSError as exc:
            problems.append(f"{folder}: cannot read it ({exc.strerror or exc}); its themes skipped")
            continue
        for path in paths:
            try:
                theme = theme_from_file(path)
            except ValueError as exc:
                problems.append(str(exc))
                continue
            by_name[theme.name] = theme
    return ThemeLoad(tuple(by_name.values()), tuple(problems))


def theme_from_file(path: Path) -> Theme:
    """One theme file as a Textual theme; ValueError with a one-line reason if it is bad.

    Every value is checked the way Textual will use it (a wrong type or an unparsable
    colour would otherwise crash the app when the theme is applied, not when it loads).
    """
    try:
        data = tomllib.loads(read_regular_file(path, max_bytes=MIB).decode("utf-8"))
    except UnreadableFile as exc:
        raise ValueError(f"{exc}; {_SKIPPED}") from None
    except RecursionError:
        problem = "not a readable TOML theme (nested too deeply)"
        raise ValueError(f"{path}: {problem}; {_SKIPPED}") from None
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise ValueError(f"{path}: not a readable TOML theme ({exc}); {_SKIPPED}") from exc
    unknown = set(data) - _THEME_FIELDS
    if unknown:
        raise ValueError(f"{path}: unknown key(s) {', '.join(sorted(unknown))}; {_SKIPPED}")
    data.setdefault("name", path.stem)
    if "primary" not in data:
        raise ValueError(f"{path}: a theme needs at least 'primary'; {_SKIPPED}")
    wrong = _field_problem(data) or _variables_problem(data)
    if wrong:
        raise ValueError(f"{path}: {wrong}; {_SKIPPED}")
    return Theme(**data)


def _field_problem(data: dict[str, Any]) -> str | None:
    """What is wrong with the theme's own fields (not `variables`), if anything."""
    if not isinstance(data["name"], str) or not data["name"].strip():
        return f"key 'name' must be a non-empty string, got {data['name']!r}"
    for key in _COLOUR_FIELDS:
        if key in data and not _is_colour(data[key]):
            return f"key '{key}' must be a colour such as \"#8B7CF6\", got {data[key]!r}"
    for key in _FLAG_FIELDS:
        if key in data and not isinstance(data[key], bool):
            return f"key '{key}' must be true or false, got {data[key]!r}"
    for key in _NUMBER_FIELDS:
        value = data.get(key, 0.0)
        if not isinstance(value, int | float) or isinstance(value, bool) or not isfinite(value):
            return f"key '{key}' must be a number, got {value!r}"
    return None


def _variables_problem(data: dict[str, Any]) -> str | None:
    """What is wrong with the `[variables]` table: each must be one Textual generates, with
    a string value that its CSS accepts (a colour, or a text style for `*-style` ones)."""
    variables = data.get("variables", {})
    if not isinstance(variables, dict):
        return f"key 'variables' must be a table ([variables]), got {variables!r}"
    if not variables:  # nothing to check against the generated ones
        return None
    known = Theme(**{**data, "variables": {}}).to_color_system().generate()
    for name, value in variables.items():
        key = f"variables.{name}"
        if name not in known:
            return f"key '{key}' is not a Textual theme variable"
        if not isinstance(value, str) or not _css_accepts(name, value):
            kind = 'a text style such as "bold"' if name.endswith("style") else "a colour"
            return f"key '{key}' must be {kind}, got {value!r}"
    return None


def _is_colour(value: Any) -> bool:
    try:
        Color.parse(value)
    except (ColorParseError, TypeError, ValueError):
        return False
    return True


def _css_accepts(name: str, value: str) -> bool:
    """Whether Textual's CSS parser takes `value` where the variable is used."""
    rule = "text-style" if name.endswith("style") else "color"
    sheet = Stylesheet(variables={name: value})
    sheet.add_source(f"Widget {{ {rule}: ${name}; }}", read_from=("theme", ""))
    try:
        sheet.parse()
    except (StylesheetError, TokenError):
        return False
    return True
