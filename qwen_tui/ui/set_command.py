"""`/set` on the chat screen: `/set NAME VALUE` goes to the conversation core; `/set`
alone puts the table of the next turn's values, and where each came from, in the
conversation."""

from __future__ import annotations

from qwen_tui.ui.turn_driver import TurnDriver
from qwen_tui.ui.widgets.tuning_table import TuningTable


async def run_set(driver: TurnDriver, argument: str) -> None:
    """`/set [NAME VALUE]`."""
    name, _, value = argument.partition(" ")
    if not name:
        await show_tuning(driver)
        return
    await driver.apply(driver.core.set_value(name, value))
    if driver.view.turns.query(TuningTable):  # a table shown earlier would be out of date
        await show_tuning(driver)


async def show_tuning(driver: TurnDriver) -> None:
    """The table of `/set` alone (also the palette's "Sampling settings")."""
    core = driver.core
    await driver.view.turns.show_tuning(TuningTable(core.tuning_table(), core.base_thinking()))
