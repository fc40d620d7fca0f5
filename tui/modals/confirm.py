"""``ConfirmModal``: a yes/no question about something that cannot be undone by accident."""

from __future__ import annotations

from typing import ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Footer, OptionList, Static

from tui.widgets.choice_list import ChoiceList


class ConfirmModal(ModalScreen[bool]):
    """Ask before doing it.

    | Key | Action |
    | :- | :- |
    | up / down, enter | Choose |
    | 1 / y | Yes |
    | 2 / n | No |
    | escape | No |
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("y", "answer(True)", "Yes", id="confirm.yes", tooltip="Do it"),
        Binding("n,escape", "answer(False)", "No", id="confirm.no", tooltip="Leave it as it is"),
    ]

    DEFAULT_CSS = """
    ConfirmModal {
        align: center middle;
        & > Vertical {
            width: 72;
            height: auto;
            border: round $warning;
            background: $surface;
            padding: 0 1;
        }
        & #confirm-question { text-style: bold; }
    }
    """

    def __init__(self, question: str, *, yes: str = "Yes", no: str = "No") -> None:
        super().__init__()
        self.question = question
        self.yes = yes
        self.no = no

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(self.question, id="confirm-question", markup=False)
            yield ChoiceList(("yes", self.yes), ("no", self.no), id="confirm-choices")
        yield Footer()

    def on_mount(self) -> None:
        choices = self.query_one(ChoiceList)
        choices.highlighted = 1  # "No" first: enter alone never destroys anything
        choices.focus()

    @on(OptionList.OptionSelected)
    def _chosen(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(event.option.id == "yes")

    def action_answer(self, yes: bool) -> None:
        self.dismiss(yes)
