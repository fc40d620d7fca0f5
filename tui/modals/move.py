"""``MoveModal``: the moves the state machine allows from the card's state, numbered."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Footer, OptionList, Static

from core.domain.models import TaskCard, TaskStatus
from tui.widgets.choice_list import ChoiceList
from tui.widgets.task_list import blocked_words

WHEN_UNBLOCKED = "ready-when-unblocked"


@dataclass(frozen=True)
class MoveChoice:
    """Where to move the task, and whether to wait in blocked until its blockers resolve."""

    status: TaskStatus
    when_unblocked: bool = False


class MoveModal(ModalScreen[MoveChoice | None]):
    """Choose a move.

    | Key | Action |
    | :- | :- |
    | up / down, enter | Choose |
    | 1 … 9 | Choose by number |
    | escape | Cancel |
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Cancel", id="move.cancel"),
    ]

    DEFAULT_CSS = """
    MoveModal {
        align: center middle;
        & > Vertical {
            width: 64;
            height: auto;
            border: round $primary;
            background: $surface;
            padding: 0 1;
        }
        & #move-title { text-style: bold; }
        & #move-note { color: $text-muted; }
    }
    """

    def __init__(self, card: TaskCard, targets: list[TaskStatus], *, spoken: bool = False) -> None:
        super().__init__()
        self.card = card
        self.targets = targets
        self.spoken = spoken

    def compose(self) -> ComposeResult:
        card = self.card
        choices: list[tuple[str, str]] = []
        for status in self.targets:
            words = status.label.capitalize()
            if status == TaskStatus.IN_PROGRESS:
                words += " (started by a worker or Run Now)"
            choices.append((status.value, words))
        if card.unresolved_blocker_count and TaskStatus.READY in self.targets:
            choices.append((WHEN_UNBLOCKED, "Ready when unblocked (waits in blocked until then)"))
        with Vertical():
            yield Static(
                f"Move {card.ref} “{card.title}” from {card.status.label} to:", id="move-title"
            )
            if choices:
                yield ChoiceList(*choices, id="move-choices")
            else:
                yield Static(f"No move is allowed from {card.status.label}.")
            if card.unresolved_blocker_count:
                yield Static(
                    f"{card.ref} is {blocked_words(card.unresolved_blocker_count)}: it cannot be "
                    "ready until they are done or cancelled.",
                    id="move-note",
                )
        yield Footer()

    def on_mount(self) -> None:
        for choices in self.query(ChoiceList):
            choices.highlighted = 0
            choices.focus()

    @on(OptionList.OptionSelected)
    def _chosen(self, event: OptionList.OptionSelected) -> None:
        option_id = event.option.id or ""
        if option_id == WHEN_UNBLOCKED:
            self.dismiss(MoveChoice(TaskStatus.READY, when_unblocked=True))
        else:
            self.dismiss(MoveChoice(TaskStatus(option_id)))

    def action_cancel(self) -> None:
        self.dismiss(None)
