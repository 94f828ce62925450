"""`/model [NAME]` on the chat screen: NAME goes to the `ModelSwitch`; alone, it asks the
engine which models its server has (off the UI thread: the server may be slow) or says
which model is loaded."""

from __future__ import annotations

from collections.abc import Sequence

from textual.notifications import SeverityLevel
from textual.screen import Screen

from qwen_tui.chat.terminal_text import visible_controls
from qwen_tui.engine.base import EngineFailure
from qwen_tui.ui.turn_driver import TurnDriver

LISTED = 30
"""Models named in the notice at most; a server can have hundreds."""


async def run_model(screen: Screen[None], driver: TurnDriver, argument: str) -> None:
    """`/model NAME` switches; `/model` alone lists or names the models."""
    if argument:
        await driver.apply(driver.models.switch(argument))
        return
    engine = driver.core.engine

    def ask_the_server() -> None:
        try:
            served = engine.served_models()
        except EngineFailure as exc:
            screen.app.call_from_thread(_say, screen, f"Cannot list the models: {exc}", "error")
            return
        screen.app.call_from_thread(show, served)

    def show(served: Sequence[str] | None) -> None:
        text = driver.models.in_use() if served is None else _served(served, engine.model_name)
        _say(screen, text, "information")

    screen.run_worker(ask_the_server, thread=True, group="models", exit_on_error=False)


def _served(models: Sequence[str], in_use: str) -> str:
    names = [f"{name} (in use)" if name == in_use else name for name in models[:LISTED]]
    more = f" and {len(models) - LISTED} more" if len(models) > LISTED else ""
    listed = ", ".join(names) + more if names else "none"
    return visible_controls(f"Models on the server: {listed}. /model NAME switches to one.")


def _say(screen: Screen[None], text: str, severity: SeverityLevel) -> None:
    screen.notify(visible_controls(text), severity=severity, markup=False)
