"""``BulkMoveModal``: where to move every marked task; only the states all of them may reach."""

from __future__ import annotations

from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.widgets import Static

from core.domain.models import TaskCard, TaskStatus
from tui.modals.choice import Choice, ChoiceModal


class BulkMoveModal(ChoiceModal[TaskStatus | None]):
    """Choose a state for the marked tasks; escape cancels."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "leave", "Cancel", id="bulkmove.cancel", tooltip="Move nothing"),
    ]

    DEFAULT_CSS = """
    BulkMoveModal {
        & > Vertical { width: 72; }
        & #bulk-move-title { text-style: bold; }
    }
    """

    CHOICES_ID = "bulk-move-choices"
    FILTERABLE = True

    def __init__(
        self, cards: list[TaskCard], targets: list[TaskStatus], *, spoken: bool = False
    ) -> None:
        states = sorted({card.status.label for card in cards})
        super().__init__(
            [Choice(s.value, s.label.capitalize(), s) for s in targets],
            left=None,
            placeholder=f"No state can be reached from all of {', '.join(states)} at once: "
            "mark tasks of one state, or fewer.",
            spoken=spoken,
        )
        self.cards = cards

    def compose_question(self) -> ComposeResult:
        refs = ", ".join(card.ref for card in self.cards[:6])
        more = f" and {len(self.cards) - 6} more" if len(self.cards) > 6 else ""
        count = f"{len(self.cards)} marked task" + ("" if len(self.cards) == 1 else "s")
        yield Static(f"Move {count} ({refs}{more}) to:", id="bulk-move-title", markup=False)
