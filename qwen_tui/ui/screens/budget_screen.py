"""The choice offered when a conversation outgrows the context limit."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Button, Static

from qwen_tui.chat.budget import Budget, BudgetVerdict
from qwen_tui.conversation.updates import BudgetChoice


class BudgetScreen(ModalScreen[BudgetChoice | None]):
    """Shows the budget's one-line message and a button per way out; Esc cancels."""

    BINDINGS = [
        Binding("escape", "dismiss", "Cancel", show=False),
        Binding("s", "choose('shorter')", show=False),
        Binding("d", "choose('drop')", show=False),
        Binding("n", "choose('new')", show=False),
    ]

    def __init__(self, budget: Budget) -> None:
        super().__init__()
        self.budget = budget

    def options(self) -> list[tuple[BudgetChoice, str]]:
        """The ways out this budget allows, with their button labels."""
        found: list[tuple[BudgetChoice, str]] = []
        if self.budget.verdict is BudgetVerdict.FEWER_NEW_TOKENS:
            label = f"Shorter replies ({self.budget.max_new_tokens:,} tokens) [S]"
            found.append((BudgetChoice.SHORTER, label))
        if self.budget.turns_to_drop:
            turns = self.budget.turns_to_drop
            label = f"Drop the oldest {turns} turn{'s' if turns > 1 else ''} [D]"
            found.append((BudgetChoice.DROP, label))
        found.append((BudgetChoice.NEW, "New conversation [N]"))
        return found

    def compose(self) -> ComposeResult:
        with Vertical(id="budget-dialog"):
            yield Static("The conversation is too long", classes="dialog-title")
            yield Static(self.budget.message, markup=False)
            with Horizontal(classes="dialog-buttons"):
                # Content, not a str: "[S]" would be read as markup and vanish.
                for choice, label in self.options():
                    yield Button(Content(label), id=f"choice-{choice}")
                yield Button(Content("Cancel [Esc]"), id="choice-cancel", variant="default")

    def on_button_pressed(self, event: Button.Pressed) -> None:
        name = (event.button.id or "").removeprefix("choice-")
        self.action_choose(name)

    def action_choose(self, name: str) -> None:
        """Close with the choice `name` if this budget offers it; `cancel` closes with None."""
        if name == "cancel":
            self.dismiss(None)
            return
        choice = next((choice for choice, _ in self.options() if choice.value == name), None)
        if choice is not None:
            self.dismiss(choice)
