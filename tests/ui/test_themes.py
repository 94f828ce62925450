"""Themes are data: bundled TOML files, user files that add or replace them, bad files
skipped with a one-line reason, and the chosen theme remembered."""

from __future__ import annotations

import tomllib

import pytest
from ui_harness import make_app, ready

from qwen_tui import locations
from qwen_tui.config import Settings, load_settings
from qwen_tui.ui.theming import bundled_themes_dir, load_themes
from tests.config_files import write_config

# Files the old loader let through, each crashing Textual when the theme was applied.
WRONGLY_TYPED_THEMES = {
    "variables": 'variables = "x"\n',
    "dark": 'dark = "yes"\n',
    "variables.foo": "[variables]\nfoo = 3\n",
    "name": "name = 5\n",
    "variables.border": '[variables]\nborder = "not-a-colour"\n',
    "variables.footer-key-foreground": "[variables]\nfooter-key-foreground = 3\n",
    "ansi": 'ansi = "no"\n',
    "luminosity_spread": 'luminosity_spread = "wide"\n',
    "variables.block-cursor-text-style": '[variables]\nblock-cursor-text-style = "loud"\n',
}


def test_dark_light_and_high_contrast_themes_ship_with_the_package(tmp_path):
    loaded = load_themes(tmp_path / "no-user-themes")
    by_name = {theme.name: theme for theme in loaded.themes}
    assert {"qwen-dark", "qwen-light", "qwen-high-contrast"} <= set(by_name)
    assert by_name["qwen-dark"].dark and not by_name["qwen-light"].dark
    assert by_name["qwen-high-contrast"].background == "#000000"
    assert loaded.problems == ()
    assert (bundled_themes_dir() / "qwen-dark.toml").is_file()


def test_user_themes_add_to_and_replace_the_bundled_ones(tmp_path):
    (tmp_path / "solar.toml").write_text('primary = "#ffaa00"\ndark = true\n')
    (tmp_path / "light.toml").write_text('name = "qwen-light"\nprimary = "#123456"\n')
    by_name = {theme.name: theme for theme in load_themes(tmp_path).themes}
    assert by_name["solar"].primary == "#ffaa00"  # named after its file
    assert by_name["qwen-light"].primary == "#123456"


def test_a_broken_user_theme_is_skipped_with_one_readable_line(tmp_path):
    (tmp_path / "typo.toml").write_text('primary = "#ffaa00"\nbackgrund = "#000"\n')
    (tmp_path / "colour.toml").write_text('primary = "not-a-colour"\n')
    (tmp_path / "syntax.toml").write_text("primary = \n")
    loaded = load_themes(tmp_path)
    names = {theme.name for theme in loaded.themes}
    assert not {"typo", "colour", "syntax"} & names
    assert len(loaded.problems) == 3
    assert all("\n" not in problem and "skipped" in problem for problem in loaded.problems)
    assert any("backgrund" in problem for problem in loaded.problems)


def test_unreadable_theme_folders_and_files_are_skipped_with_one_line(tmp_path, monkeypatch):
    import os

    from tests.forbidden import forbid

    (tmp_path / "pipe.toml").unlink(missing_ok=True)
    os.mkfifo(tmp_path / "pipe.toml")
    (tmp_path / "deep.toml").write_text("primary = " + "[" * 5000 + "]" * 5000 + "\n")
    loaded = load_themes(tmp_path)
    assert [p.split(": ", 1)[1] for p in loaded.problems] == [
        "not a readable TOML theme (nested too deeply); theme skipped (fix or delete the file)",
        "a named pipe (FIFO), not a regular file; theme skipped (fix or delete the file)",
    ]
    forbid(monkeypatch, tmp_path)  # as a config folder that cannot be entered
    themes = tmp_path / "themes"
    [problem] = load_themes(themes).problems
    assert problem == f"{themes}: cannot read it (Permission denied); its themes skipped"
    assert "qwen-dark" in {theme.name for theme in load_themes(themes).themes}


@pytest.mark.parametrize("key", WRONGLY_TYPED_THEMES)
def test_a_wrongly_typed_theme_value_is_one_line_naming_the_file_and_key(tmp_path, key):
    path = tmp_path / "broken.toml"
    path.write_text('primary = "#ff0000"\n' + WRONGLY_TYPED_THEMES[key])
    loaded = load_themes(tmp_path)
    assert "broken" not in {theme.name for theme in loaded.themes}
    [problem] = loaded.problems
    assert problem.startswith(f"{path}: key '{key}' must be") or problem.startswith(
        f"{path}: key '{key}' is not a Textual theme variable"
    )
    assert "\n" not in problem and problem.endswith("(fix or delete the file)")


@pytest.mark.parametrize("key", ["dark", "variables.foo", "variables.border"])
async def test_a_remembered_theme_that_broke_falls_back_to_the_default_with_a_notice(key):
    locations.user_themes_dir().mkdir(parents=True)
    path = locations.user_themes_dir() / "mine.toml"
    path.write_text('primary = "#ff0000"\n' + WRONGLY_TYPED_THEMES[key])
    write_config('engine = "demo"\ntheme = "mine"\n')
    app = make_app(settings=load_settings())
    async with app.run_test() as pilot:
        await ready(pilot)
        assert app.theme == "qwen-dark"
        notices = [n.message for n in app._notifications]
        assert any(str(path) in n and f"'{key}'" in n for n in notices)
        assert any("'mine'" in n and "using qwen-dark" in n for n in notices)
        assert "mine" not in app.available_themes
    assert load_settings().theme == "mine"  # kept, so fixing the file brings it back


async def test_the_theme_flag_applies_and_is_remembered_for_next_time():
    app = make_app(settings=Settings(engine="demo", theme="qwen-high-contrast"))
    async with app.run_test() as pilot:
        await ready(pilot)
        assert app.theme == "qwen-high-contrast"
    saved = tomllib.loads(locations.config_file().read_text())
    assert saved["theme"] == "qwen-high-contrast"


async def test_an_unknown_theme_falls_back_with_a_notice_and_is_not_saved():
    app = make_app(settings=Settings(engine="demo", theme="no-such-theme"))
    async with app.run_test() as pilot:
        await ready(pilot)
        assert app.theme == "qwen-dark"
        assert any("no-such-theme" in n.message for n in app._notifications)
    assert not locations.config_file().exists()


async def test_a_user_theme_from_the_config_dir_can_be_chosen():
    locations.user_themes_dir().mkdir(parents=True)
    (locations.user_themes_dir() / "mine.toml").write_text('primary = "#ff0000"\n')
    app = make_app(settings=Settings(engine="demo", theme="mine"))
    async with app.run_test() as pilot:
        await ready(pilot)
        assert app.theme == "mine"


async def test_without_the_bundled_themes_the_app_still_starts_with_a_notice(monkeypatch, tmp_path):
    monkeypatch.setattr("qwen_tui.ui.theming.bundled_themes_dir", lambda: tmp_path / "missing")
    app = make_app(settings=Settings(engine="demo"))
    async with app.run_test() as pilot:
        await ready(pilot)
        assert app.theme == "textual-dark"
        assert any("qwen-dark" in n.message for n in app._notifications)
