"""The choice offered when a message does not fit the context limit."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Button, Static

from qwen_tui.conversation.updates import BudgetChoice, BudgetQuestion

_KEYS = {BudgetChoice.SHORTER: "S", BudgetChoice.DROP: "D", BudgetChoice.NEW: "N"}


class BudgetScreen(ModalScreen[BudgetChoice | None]):
    """Shows the budget's one-line message and a button per way out the conversation core
    found; Esc gives the message back to the input."""

    BINDINGS = [
        Binding("escape", "choose('cancel')", "Cancel", show=False),
        Binding("s", "choose('shorter')", show=False),
        Binding("d", "choose('drop')", show=False),
        Binding("n", "choose('new')", show=False),
    ]

    def __init__(self, question: BudgetQuestion) -> None:
        super().__init__()
        self.question = question
        self.budget = question.budget

    def options(self) -> list[tuple[BudgetChoice, str]]:
        """The ways out offered, with their button labels."""
        return [
            (choice, f"{self._label(choice)} [{_KEYS[choice]}]") for choice in self.question.choices
        ]

    def _label(self, choice: BudgetChoice) -> str:
        budget = self.budget
        if choice is BudgetChoice.SHORTER:
            return f"Shorter replies ({budget.max_new_tokens:,} tokens)"
        if choice is BudgetChoice.DROP:
            turns = budget.turns_to_drop or 0
            return f"Drop the oldest {turns} turn{'s' if turns > 1 else ''}"
        if budget.new_conversation_tokens < budget.asked_tokens:
            return f"New conversation ({budget.new_conversation_tokens:,}-token reply)"
        return "New conversation"

    def compose(self) -> ComposeResult:
        too_long = not self.question.choices
        title = "Your message is too long" if too_long else "The conversation is too long"
        cancel = "Edit the message [Esc]" if too_long else "Cancel [Esc]"
        with Vertical(id="budget-dialog"):
            yield Static(title, classes="dialog-title")
            yield Static(self.budget.message, markup=False)
            with Horizontal(classes="dialog-buttons"):
                # Content, not a str: "[S]" would be read as markup and vanish.
                for choice, label in self.options():
                    yield Button(Content(label), id=f"choice-{choice}")
                yield Button(Content(cancel), id="choice-cancel", variant="default")

    def on_button_pressed(self, event: Button.Pressed) -> None:
        name = (event.button.id or "").removeprefix("choice-")
        self.action_choose(name)

    def action_choose(self, name: str) -> None:
        """Close with the choice `name` if it is offered; `cancel` closes with None."""
        if name == "cancel":
            self.dismiss(None)
            return
        choice = next((c for c in self.question.choices if c.value == name), None)
        if choice is not None:
            self.dismiss(choice)
