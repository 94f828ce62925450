"""The wheel a user installs holds what `qwen-chat` needs at run time: every module, the
stylesheet, and the bundled themes as real files (the checkout has them behind a symlink),
and the app starts from it."""

from __future__ import annotations

import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from qwen_tui.ui.theming import DEFAULT_THEME

REPO = Path(__file__).resolve().parents[1]
PACKAGE_DIRS = ("qwen_tui", "themes")
NOT_SHIPPED = shutil.ignore_patterns("__pycache__", "*.pyc")

START_FROM_WHEEL = """
import asyncio, sys
sys.path.insert(0, sys.argv[1])
from qwen_tui.config import Settings
from qwen_tui.ui.app import ChatApp
import qwen_tui
assert qwen_tui.__file__.startswith(sys.argv[1]), qwen_tui.__file__

async def start():
    app = ChatApp(Settings(engine="demo"))
    async with app.run_test() as pilot:
        await pilot.pause()
        sheets = [path for path, _ in app.stylesheet.source if path.endswith(".tcss")]
        print(app.theme, *sheets)

asyncio.run(start())
"""


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> zipfile.ZipFile:
    """Build the wheel with the PEP 517 hook pip calls, from a copy of the sources, so the
    checkout gets no build/ folder (whose stale files would slip into later wheels)."""
    source = tmp_path_factory.mktemp("source")
    for name in ("pyproject.toml", "README.md"):
        shutil.copy2(REPO / name, source / name)
    for name in PACKAGE_DIRS:
        shutil.copytree(REPO / name, source / name, symlinks=True, ignore=NOT_SHIPPED)
    out = tmp_path_factory.mktemp("wheel")
    build = "import sys; from setuptools import build_meta; build_meta.build_wheel(sys.argv[1])"
    subprocess.run(
        [sys.executable, "-c", build, str(out)], cwd=source, check=True, capture_output=True
    )
    (built,) = out.glob("qwen_tui-*.whl")
    return zipfile.ZipFile(built)


def _source_files(*suffixes: str) -> set[str]:
    package = REPO / "qwen_tui"
    return {
        path.relative_to(REPO).as_posix()
        for path in package.rglob("*")
        if path.suffix in suffixes and "__pycache__" not in path.parts
    }


def test_the_wheel_holds_every_module_and_stylesheet(wheel):
    shipped = {name for name in wheel.namelist() if name.endswith((".py", ".tcss"))}
    assert "qwen_tui/ui/chat.tcss" in shipped
    assert shipped == _source_files(".py", ".tcss")


def test_the_bundled_themes_are_real_files_in_the_wheel(wheel):
    themes = sorted((REPO / "themes").glob("*.toml"))
    assert f"{DEFAULT_THEME}.toml" in {path.name for path in themes}
    for path in themes:
        assert wheel.read(f"qwen_tui/ui/themes/{path.name}") == path.read_bytes()


def test_qwen_chat_is_the_console_script(wheel):
    (entry_points,) = [n for n in wheel.namelist() if n.endswith(".dist-info/entry_points.txt")]
    assert "qwen-chat = qwen_tui.cli:main" in wheel.read(entry_points).decode()


def test_the_chat_starts_from_the_unpacked_wheel_with_its_theme_and_stylesheet(wheel, tmp_path):
    wheel.extractall(tmp_path / "site")
    started = subprocess.run(
        [sys.executable, "-c", START_FROM_WHEEL, str(tmp_path / "site")],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert started.returncode == 0, started.stderr
    theme, *sheets = started.stdout.split()
    assert theme == DEFAULT_THEME
    assert sheets == [str(tmp_path / "site" / "qwen_tui" / "ui" / "chat.tcss")]
