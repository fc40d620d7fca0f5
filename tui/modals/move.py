"""``MoveModal``: the moves the state machine allows from the card's state, numbered."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.widgets import Static

from core.domain.models import TaskCard, TaskStatus
from tui.modals.choice import Choice, ChoiceModal
from tui.widgets.card_words import blocked_words

WHEN_UNBLOCKED = "ready-when-unblocked"


@dataclass(frozen=True)
class MoveChoice:
    """Where to move the task, and whether to wait in blocked until its blockers resolve."""

    status: TaskStatus
    when_unblocked: bool = False


def move_choices(card: TaskCard, targets: list[TaskStatus]) -> list[Choice[MoveChoice | None]]:
    """Each allowed state; a card that waits for open blockers gets "Ready when unblocked"
    first, and its plain Ready says why it will be refused (review finding 17)."""
    choices: list[Choice[MoveChoice | None]] = []
    waiting = bool(card.unresolved_blocker_count) and TaskStatus.READY in targets
    if waiting:
        choices.append(
            Choice(
                WHEN_UNBLOCKED,
                "Ready when unblocked (waits in blocked until then)",
                MoveChoice(TaskStatus.READY, when_unblocked=True),
            )
        )
    for status in targets:
        words = status.label.capitalize()
        if status == TaskStatus.IN_PROGRESS:
            words += " (started by a worker or Run Now)"
        if status == TaskStatus.READY and waiting:
            blocked = blocked_words(card.unresolved_blocker_count)
            words += f" (refused now: {blocked} not yet done)"
        choices.append(Choice(status.value, words, MoveChoice(status)))
    return choices


class MoveModal(ChoiceModal[MoveChoice | None]):
    """Choose a move; escape cancels."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "leave", "Cancel", id="move.cancel"),
    ]

    DEFAULT_CSS = """
    MoveModal {
        & > Vertical { width: 64; }
        & #move-title { text-style: bold; }
        & #move-note { color: $text-muted; }
    }
    """

    CHOICES_ID = "move-choices"
    FILTERABLE = True

    def __init__(self, card: TaskCard, targets: list[TaskStatus], *, spoken: bool = False) -> None:
        super().__init__(
            move_choices(card, targets),
            left=None,
            placeholder=f"No move is allowed from {card.status.label}.",
            spoken=spoken,
        )
        self.card = card
        self.targets = targets

    def compose_question(self) -> ComposeResult:
        card = self.card
        yield Static(
            f"Move {card.ref} “{card.title}” from {card.status.label} to:", id="move-title"
        )

    def compose_notes(self) -> ComposeResult:
        card = self.card
        if card.unresolved_blocker_count:
            yield Static(
                f"{card.ref} is {blocked_words(card.unresolved_blocker_count)}: it cannot be "
                "ready until they are done or cancelled.",
                id="move-note",
            )
