"""``ConfirmModal``: a yes/no question about something that cannot be undone by accident."""

from __future__ import annotations

from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.widgets import Static

from tui.modals.choice import Choice, ChoiceModal


class ConfirmModal(ChoiceModal[bool]):
    """Ask before doing it; "No" is highlighted first, so enter alone never destroys anything.

    | Key | Action |
    | :- | :- |
    | 1 / y | Yes |
    | 2 / n | No |
    | escape | No |
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("y", "choose('yes')", "Yes", id="confirm.yes", tooltip="Do it"),
        Binding("n,escape", "choose('no')", "No", id="confirm.no", tooltip="Leave it as it is"),
    ]

    DEFAULT_CSS = """
    ConfirmModal {
        & > Vertical { width: 72; border: round $warning; }
        & #confirm-question { text-style: bold; }
    }
    """

    FIRST = 1
    CHOICES_ID = "confirm-choices"

    def __init__(self, question: str, *, yes: str = "Yes", no: str = "No") -> None:
        super().__init__([Choice("yes", yes, True), Choice("no", no, False)], left=False)
        self.question = question
        self.yes = yes
        self.no = no

    def compose_question(self) -> ComposeResult:
        yield Static(self.question, id="confirm-question", markup=False)
