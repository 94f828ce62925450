"""`ThemedApp`: the app's colour themes, a part of `ChatApp`.

The bundled themes and the user's (`theming.py`) are registered when the app is made; the
one asked for (`--theme`, config.toml) is used, or, without it, a fallback with a notice
when the app mounts. The theme in use is remembered in config.toml, and every switch too.
"""

from __future__ import annotations

from qwen_tui import config
from qwen_tui.ui.plain_notifications import PlainTextNotifications
from qwen_tui.ui.theming import DEFAULT_THEME, load_themes


class ThemedApp(PlainTextNotifications):
    """An App with the bundled and the user's themes, the one in use remembered."""

    bundled_theme_names: tuple[str, ...]
    """The themes loaded from files, in the order the palette lists them."""

    def _register_themes(self, wanted: str) -> None:
        """Register every theme and switch to `wanted`, or to a fallback."""
        self._startup_theme = wanted
        loaded = load_themes()
        for theme in loaded.themes:
            self.register_theme(theme)
        self._theme_problems = loaded.problems
        self.bundled_theme_names = tuple(theme.name for theme in loaded.themes)
        if wanted in self.available_themes:
            self.theme = wanted
            return
        # Without our bundled themes (a broken install) fall back to one of Textual's own.
        fallback = DEFAULT_THEME if DEFAULT_THEME in self.available_themes else "textual-dark"
        self.theme = fallback
        self._theme_problems += (f"No usable theme {wanted!r}; using {fallback}.",)

    def _show_and_remember_themes(self) -> None:
        """On mount: say what went wrong loading themes, remember the theme in use, and
        every one the user switches to."""
        for problem in self._theme_problems:
            # markup=False: a problem quotes the user's file, brackets and all.
            self.notify(problem, title="Themes", severity="warning", timeout=8, markup=False)
        if self.theme == self._startup_theme:  # e.g. --theme: remember it
            self._save_theme(self.theme)
        self.theme_changed_signal.subscribe(self, lambda theme: self._save_theme(theme.name))

    def _save_theme(self, name: str) -> None:
        """Remember the theme in config.toml (only when it changed)."""
        try:
            if name != config.load_settings().theme:
                config.save_setting("theme", name)
        except (OSError, config.ConfigError) as exc:
            self.notify(f"Theme not saved: {exc}", severity="warning")
